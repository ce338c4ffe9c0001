// Three `parley serve` nodes sharing one real PostgreSQL (a throwaway cluster):
// a shopper on node A and an agent on node B talk in real time through
// LISTEN/NOTIFY, a claim race across nodes has one winner, and a node can die
// without losing anything the other acknowledged.
#include <doctest/doctest.h>

#include "postgres_fixture.hpp"
#include "serve_support.hpp"

namespace parley::test {

TEST_CASE("serve: several nodes on one PostgreSQL") {
    auto* pg = postgres_or_skip();
    if (!pg) return;
    const std::string url = pg->create_database();
    temp_dir dir;
    const std::string config = write_test_config(dir.path());
    add_agent(dir.path(), "anna@shop.test", "Anna", "agent", "anna-password", url);
    add_agent(dir.path(), "ben@shop.test", "Ben", "agent", "ben-password", url);
    serve_process a(dir.path() / "a", {"--config", config, "--db", url});
    serve_process b(dir.path() / "b", {"--config", config, "--db", url});
    serve_process c(dir.path() / "c", {"--config", config, "--db", url});
    CHECK(http_call(a.port(), http::verb::get, "/healthz").body_json()["store"] == "postgresql");

    // The agent signs in on node B; node A learns it is online (presence).
    const auto anna = login(b.port(), "anna@shop.test", "anna-password");
    ws_client agent(b.port(), "/ws/agent", {{"Cookie", anna.cookie}});
    agent.wait_type("hello");
    // A sign-in session made on B is valid on A (shared store).
    CHECK(http_call(a.port(), http::verb::get, "/api/me", {}, {{"Cookie", anna.cookie}}).status ==
          200);

    ws_client shopper(a.port(), "/ws/shopper", origin(a.port()));
    json w;
    // Presence travels over NOTIFY; wait until node A counts the agent.
    for (int i = 0; i < 50; ++i) {
        ws_client probe(a.port(), "/ws/shopper", origin(a.port()));
        w = hello(probe);
        if (w["agents_online"] == 1) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    REQUIRE(w["agents_online"] == 1);
    w = hello(shopper);
    const std::string conversation = w["conversation_id"];
    next_message(shopper, "bot");
    say(shopper, "m1", "I want to talk to a human");
    CHECK(shopper.wait_type("status")["status"] == "queued");

    // Node B's agent sees the queue entry made on node A.
    agent.wait_for([&](const json& j) {
        if (j["type"] != "queue") return false;
        for (const auto& c : j["conversations"])
            if (c["id"] == conversation && c["status"] == "queued") return true;
        return false;
    });
    // A second agent on a third node races for the claim: exactly one wins.
    const auto ben = login(c.port(), "ben@shop.test", "ben-password");
    ws_client agent2(c.port(), "/ws/agent", {{"Cookie", ben.cookie}});
    agent2.wait_type("hello");
    agent.send(json{{"type", "claim"}, {"conversation_id", conversation}});
    agent2.send(json{{"type", "claim"}, {"conversation_id", conversation}});
    const json r1 = agent.wait_for(
        [](const json& j) { return j["type"] == "claimed" || j["type"] == "error"; });
    const json r2 = agent2.wait_for(
        [](const json& j) { return j["type"] == "claimed" || j["type"] == "error"; });
    CHECK(((r1["type"] == "claimed") != (r2["type"] == "claimed")));
    ws_client& owner = r1["type"] == "claimed" ? agent : agent2;
    CHECK(shopper.wait_for([](const json& j) {
        return j["type"] == "status" && j["status"] == "agent";
    })["status"] == "agent");

    // Real-time both ways across the nodes.
    for (int i = 0; i < 8; ++i) {  // within the per-conversation rate limit
        const std::string text = "agent line " + std::to_string(i);
        owner.send(json{{"type", "reply"},
                        {"conversation_id", conversation},
                        {"client_id", "a" + std::to_string(i)},
                        {"text", text}});
        CHECK(next_message(shopper, "agent")["text"] == text);
        const std::string back = "shopper line " + std::to_string(i);
        say(shopper, "s" + std::to_string(i), back);
        CHECK(owner.wait_for([&](const json& j) {
            return j["type"] == "message" && j["author"] == "shopper" && j["text"] == back;
        })["conversation_id"] == conversation);
    }
    owner.send(json{{"type", "typing"}, {"conversation_id", conversation}, {"on", true}});
    CHECK(shopper.wait_type("typing")["on"] == true);

    // Node A dies; the shopper reconnects to node B and nothing is lost.
    const std::string token = w["token"];
    a.kill_now();
    ws_client moved(b.port(), "/ws/shopper", origin(b.port()));
    const json again = hello(moved, token, 0);
    CHECK(again["conversation_id"] == conversation);
    CHECK(again["status"] == "agent");
    int shopper_lines = 0, agent_lines = 0;
    for (const auto& f : moved.drain(500)) {
        if (f["type"] != "message") continue;
        shopper_lines +=
            f["author"] == "shopper" && f["text"].get<std::string>().rfind("shopper line", 0) == 0;
        agent_lines += f["author"] == "agent";
    }
    CHECK(shopper_lines == 8);
    CHECK(agent_lines == 8);
    owner.send(json{{"type", "close"}, {"conversation_id", conversation}});
    moved.wait_type("csat_request");
}

}  // namespace parley::test
