import posthog


def test_posthog_batch_roundtrip(server):
    client = posthog.Posthog(server.project.public_key, host=server.url, sync_mode=True)
    client.capture(
        "signed_up",
        distinct_id="anon-1",
        properties={"$current_url": "https://x.io/a?utm_source=news"},
    )
    client.capture(
        "$identify",
        distinct_id="user-1",
        properties={"$anon_distinct_id": "anon-1", "$set": {"plan": "pro"}},
    )
    client.flush()
    with server.api() as api:
        events = api.get("/api/v1/events").json()
        person = api.get("/api/v1/persons/anon-1").json()
    assert {e["event"] for e in events} == {"signed_up", "$identify"}
    assert person["person_id"] == "user-1"
    assert person["properties"] == {"plan": "pro"}
    assert events[-1]["utm_source"] == "news"
