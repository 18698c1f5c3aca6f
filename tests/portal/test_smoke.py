def test_home_renders(client, home):
    response = client.get("/")
    assert response.status_code == 200
    assert "心育平台" in response.content.decode()


def test_healthz(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
