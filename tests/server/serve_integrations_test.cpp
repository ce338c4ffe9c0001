// Issue 7 end to end over real sockets: the order flows reach the shop's
// system (the demo backend that `parley serve` hosts, and a test HTTP server
// that misbehaves on purpose), webhooks survive a kill -9, and the shop can
// push a notice to an identified shopper.
#include <doctest/doctest.h>

#include <set>
#include <thread>

#include "auth.hpp"
#include "serve_support.hpp"
#include "shop_endpoint.hpp"
#include "test_http_server.hpp"

using namespace parley::test;

namespace {

// Runs a flow to its end and returns the action's result message.
json run_flow(ws_client& shopper, const std::vector<std::string>& lines) {
    static int n = 0;
    for (const auto& line : lines) {
        say(shopper, "f" + std::to_string(++n), line);
        next_message(shopper, "bot");  // the prompt for the next slot, or "looking it up…"
    }
    return shopper.wait_for([](const json& j) {
        return j["type"] == "message" && j["author"] == "bot" && j.contains("reply") &&
               j["reply"]["kind"] == "action_result";
    });
}

json fresh_shopper(ws_client& ws) {
    const json w = hello(ws);
    next_message(ws, "bot");  // greeting
    return w;
}

}  // namespace

TEST_CASE("integrations: order status against the demo shop's backend") {
    deployment d({}, {"--no-rate-limits"});
    const auto port = d.port();
    ws_client shopper(port, "/ws/shopper", origin(port));
    fresh_shopper(shopper);

    const json ok = run_flow(shopper, {"where is my order", "1001", "alex@example.com"});
    CHECK(ok["reply"]["ok"] == true);
    CHECK(ok["reply"]["order"]["status"] == "shipped");
    CHECK(ok["reply"]["order"]["tracking_url"].get<std::string>().rfind("https://", 0) == 0);
    CHECK(ok["text"].get<std::string>().find("Order 1001 is shipped") != std::string::npos);
    CHECK_FALSE(ok["reply"]["order"].contains("email"));

    // The right number with someone else's email: refused like an unknown order.
    const json wrong = run_flow(shopper, {"where is my order", "1001", "eve@example.com"});
    CHECK(wrong["reply"]["ok"] == false);
    CHECK(wrong["reply"]["error"] == "not_found");
    CHECK(wrong["text"].get<std::string>().find("shipped") == std::string::npos);
    CHECK(wrong["reply"]["quick_replies"][0] == "Talk to a person");

    // In Chinese.
    const json zh = run_flow(shopper, {"我的订单到哪了", "1002", "mei.chen@example.com"});
    CHECK(zh["reply"]["ok"] == true);
    CHECK(zh["text"].get<std::string>().find("已签收") != std::string::npos);

    // The transcript keeps the answer but never the email the shopper typed
    // into the action, and the demo backend refuses unsigned callers.
    CHECK(http_call(port, http::verb::get, "/demo-shop/api/orders/1001?email=alex%40example.com")
              .status == 401);
    // Signed but malformed: a clear 400, never a 500.
    const std::string target = "/demo-shop/api/orders/1002/returns";
    const std::string body = R"({"email":"mei.chen@example.com","reason":5})";
    const auto ts = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    const auto bad = http_call(
        port, http::verb::post, target, body,
        {{"X-Shop-Key", "demo-shop-key"},
         {"X-Parley-Timestamp", std::to_string(ts)},
         {"X-Parley-Signature", parley::server::signature_header(
                                    "demo-shop-signing-secret", ts,
                                    parley::server::endpoint_signed_text("POST", target, body))}});
    CHECK(bad.status == 400);
    CHECK(bad.body_json()["error"] == "reason must be a string");
}

TEST_CASE("integrations: returns, cancellations and address changes follow the shop's rules") {
    deployment d({}, {"--no-rate-limits"});
    const auto port = d.port();
    ws_client shopper(port, "/ws/shopper", origin(port));
    fresh_shopper(shopper);

    // 1002: delivered 5 days ago, inside the 30-day window.
    json r = run_flow(shopper, {"I want to return my order", "1002", "mei.chen@example.com",
                                "the boots are too small"});
    CHECK(r["reply"]["ok"] == true);
    CHECK(r["reply"]["reference"].get<std::string>().rfind("R-1002-", 0) == 0);
    // …and the shop's system now says so.
    r = run_flow(shopper, {"where is my order", "1002", "mei.chen@example.com"});
    CHECK(r["reply"]["order"]["status"] == "return_requested");

    // 1008: delivered 45 days ago.
    r = run_flow(shopper, {"start a return", "1008", "mei.chen@example.com", "changed my mind"});
    CHECK(r["reply"]["error"] == "not_eligible");
    CHECK(r["text"].get<std::string>().find("45 days") != std::string::npos);

    // 1001 has shipped: no cancellation.
    r = run_flow(shopper, {"I want to cancel my order", "1001", "alex@example.com", "yes"});
    CHECK(r["reply"]["error"] == "not_eligible");
    // 1004 is pending: cancelled.
    r = run_flow(shopper, {"I want to cancel my order", "1004", "priya@example.com", "yes"});
    CHECK(r["reply"]["ok"] == true);
    CHECK(r["reply"]["reference"].get<std::string>().rfind("C-1004-", 0) == 0);
    // 1003 is being prepared: the address can change.
    r = run_flow(shopper, {"change my delivery address", "1003", "sam.rivera@example.com",
                           "1 Infinite Loop, Cupertino, CA 95014, USA"});
    CHECK(r["reply"]["ok"] == true);
}

TEST_CASE("integrations: without an endpoint for it, a return becomes a ticket with the details") {
    std::ifstream in(std::string(PARLEY_SOURCE_DIR) + "/demo/shop.json");
    json integrations = json::parse(in)["integrations"];
    integrations["endpoints"].erase("return_request");
    deployment d(json{{"integrations", integrations}}, {"--no-rate-limits"});
    const auto port = d.port();
    ws_client shopper(port, "/ws/shopper", origin(port));
    fresh_shopper(shopper);
    const json r = run_flow(
        shopper, {"I want to return my order", "1002", "mei.chen@example.com", "zip is broken"});
    CHECK(r["reply"]["ok"] == true);
    const auto ticket_id = r["reply"]["ticket"].get<std::int64_t>();
    const auto anna = login(port, "anna@shop.test", "anna-password");
    const json tickets =
        http_call(port, http::verb::get, "/api/tickets", {}, {{"Cookie", anna.cookie}}).body_json();
    REQUIRE(tickets["tickets"].size() == 1);
    const json t = tickets["tickets"][0];
    CHECK(t["id"] == ticket_id);
    CHECK(t["email"] == "mei.chen@example.com");
    const std::string message = t["message"];
    CHECK(message.find("return_request") != std::string::npos);
    CHECK(message.find("1002") != std::string::npos);
    CHECK(message.find("zip is broken") != std::string::npos);
}

TEST_CASE("integrations: a misbehaving shop system gives a clear message, never a hang") {
    std::atomic<int> flaky{0};
    test_http_server shop([&](const auto& req) -> scripted_reply {
        const std::string target(req.target());
        const std::string ok_order =
            R"({"status":"shipped","email":"a@shop.test","carrier":"UPS","tracking_number":"1Z1"})";
        if (target.rfind("/orders/2001", 0) == 0) return {200, ok_order};
        if (target.rfind("/orders/2002", 0) == 0) return {500, "Internal Server Error"};
        if (target.rfind("/orders/2003", 0) == 0) return {200, ok_order, 2000};  // too slow
        if (target.rfind("/orders/2004", 0) == 0) return {200, "{\"status\": \"shipp"};
        if (target.rfind("/orders/2005", 0) == 0) return {200, R"({"status":"shipped"})"};
        if (target.rfind("/orders/2007", 0) == 0) return {401, R"({"error":"bad key"})"};
        if (target.rfind("/orders/2006", 0) == 0)
            return ++flaky < 2 ? scripted_reply{502, "bad gateway"} : scripted_reply{200, ok_order};
        return {404, R"({"error":"no such order"})"};
    });
    const json integrations = {{"endpoints",
                                {{"order_lookup",
                                  {{"url", shop.url("/orders/{order_number}?email={email}")},
                                   {"headers", {{"Authorization", "Bearer shop-token"}}},
                                   {"hmac_secret", "lookup-secret"},
                                   {"timeout_ms", 300},
                                   {"retries", 1}}}}}};
    deployment d(json{{"integrations", integrations}}, {"--no-rate-limits"});
    const auto port = d.port();
    ws_client shopper(port, "/ws/shopper", origin(port));
    fresh_shopper(shopper);

    json r = run_flow(shopper, {"where is my order", "2001", "A@shop.test"});
    CHECK(r["reply"]["ok"] == true);
    const auto first = shop.requests().front();
    CHECK(first["Authorization"] == "Bearer shop-token");
    const auto ts = std::stoll(std::string(first["X-Parley-Timestamp"]));
    CHECK(std::string(first["X-Parley-Signature"]) ==
          parley::server::signature_header(
              "lookup-secret", ts,
              parley::server::endpoint_signed_text("GET", std::string(first.target()), "")));

    const auto started = std::chrono::steady_clock::now();
    for (const auto& [order, error] : std::vector<std::pair<std::string, std::string>>{
             {"2002", "unavailable"},
             {"2003", "timeout"},
             {"2004", "malformed"},
             {"2005", "not_found"},    // the reply names no owner: shown to nobody
             {"2007", "unavailable"},  // the shop refuses our key: a 4xx, not retried
             {"2099", "not_found"}}) {
        r = run_flow(shopper, {"where is my order", order, "a@shop.test"});
        INFO(order);
        CHECK(r["reply"]["ok"] == false);
        if (error == "malformed")
            CHECK(r["reply"]["error"] == "malformed");
        else
            CHECK(r["reply"]["error"] == error);
        CHECK(r["reply"]["quick_replies"][0] == "Talk to a person");
    }
    // Bounded: five failures with one retry each, 300 ms timeouts.
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(8));
    // One 502, then the retry succeeds.
    r = run_flow(shopper, {"where is my order", "2006", "a@shop.test"});
    CHECK(r["reply"]["ok"] == true);

    // The server is fine and the shopper can go on (or ask for a person).
    say(shopper, "after", "How long does shipping take?");
    CHECK(next_message(shopper, "bot")["reply"]["kind"] == "answer");
    const std::string metrics = http_call(port, http::verb::get, "/metrics").body;
    CHECK(
        metrics.find("parley_flow_actions_total{action=\"order_lookup\",outcome=\"timeout\"} 1") !=
        std::string::npos);
}

TEST_CASE("integrations: the in-page core's flow action is performed by the server") {
    deployment d({}, {"--no-rate-limits"});
    const auto port = d.port();
    ws_client shopper(port, "/ws/shopper", origin(port));
    shopper.send(json{{"type", "hello"}, {"mode", "local"}});
    REQUIRE(shopper.wait_type("welcome")["status"] == "bot");
    auto local = [&](const std::string& id, const json& action) {
        shopper.send(json{{"type", "message"},
                          {"client_id", id},
                          {"text", "alex@example.com"},
                          {"local_reply",
                           {{"text", "Thanks! Looking up order 1001 now…"},
                            {"kind", "action"},
                            {"item_id", "order_status"},
                            {"action", action}}}});
    };
    // A forged action (no such flow/action pair) is refused.
    local("l0", json{{"name", "cancel_order"},
                     {"flow_id", "order_status"},
                     {"params", {{"order_number", "1001"}, {"email", "alex@example.com"}}}});
    CHECK(shopper.wait_type("error")["code"] == "bad_frame");
    local("l1", json{{"name", "order_lookup"},
                     {"flow_id", "order_status"},
                     {"params", {{"order_number", "1001"}, {"email", "alex@example.com"}}}});
    const json r = shopper.wait_for([](const json& j) {
        return j["type"] == "message" && j.contains("reply") &&
               j["reply"]["kind"] == "action_result";
    });
    CHECK(r["reply"]["ok"] == true);
    CHECK(r["reply"]["order"]["number"] == "1001");
}

TEST_CASE("webhooks: signed, retried with backoff, delivered after a kill -9, once per id") {
    std::mutex mu;
    std::map<std::string, int> received;  // event id → deliveries
    std::map<std::string, std::string> types;
    std::atomic<bool> accept{false};
    std::atomic<int> bad_signatures{0};
    const std::string secret = "hook-secret";
    test_http_server receiver([&](const auto& req) -> scripted_reply {
        const auto ts = std::stoll(std::string(req["X-Parley-Timestamp"]));
        if (std::string(req["X-Parley-Signature"]) !=
            parley::server::signature_header(secret, ts, req.body()))
            ++bad_signatures;
        if (!accept) return {503, "not now"};
        const json body = json::parse(req.body());
        std::lock_guard lock(mu);
        CHECK(body["id"] == std::string(req["X-Parley-Delivery"]));
        ++received[body["id"]];
        types[body["id"]] = body["type"];
        return {200, "{}"};
    });
    std::ifstream in(std::string(PARLEY_SOURCE_DIR) + "/demo/shop.json");
    json integrations = json::parse(in)["integrations"];
    integrations["webhooks"] = json::array({{{"url", receiver.url("/hooks")}, {"secret", secret}}});
    deployment d(json{{"integrations", integrations}}, {"--no-rate-limits"});
    auto port = d.port();
    {
        ws_client shopper(port, "/ws/shopper", origin(port));
        fresh_shopper(shopper);              // conversation.started
        say(shopper, "h1", "agent please");  // nobody online → offline form
        shopper.wait_type("offline");
        shopper.send(json{{"type", "ticket"},
                          {"email", "shopper@example.com"},
                          {"message", "Where is my parcel?"}});
        shopper.wait_type("ticket");  // ticket.created
    }
    // The receiver keeps failing; wait for a retry to be recorded, then crash.
    const auto boss = login(port, "boss@shop.test", "boss-password");
    for (int i = 0; i < 100; ++i) {
        const json log = http_call(port, http::verb::get, "/api/webhooks/deliveries", {},
                                   {{"Cookie", boss.cookie}})
                             .body_json();
        if (log["deliveries"].size() == 2 && log["deliveries"][0]["attempts"] >= 2) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    d.restart_after_crash();
    port = d.port();
    accept = true;
    for (int i = 0; i < 150; ++i) {
        {
            std::lock_guard lock(mu);
            if (received.size() == 2) break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    {
        std::lock_guard lock(mu);
        REQUIRE(received.size() == 2);
        std::set<std::string> kinds;
        for (const auto& [id, type] : types) kinds.insert(type);
        CHECK(kinds == std::set<std::string>{"conversation.started", "ticket.created"});
        for (const auto& [id, n] : received) CHECK(n == 1);
    }
    CHECK(bad_signatures == 0);
    const auto boss2 = login(port, "boss@shop.test", "boss-password");
    const json log =
        http_call(port, http::verb::get, "/api/webhooks/deliveries", {}, {{"Cookie", boss2.cookie}})
            .body_json();
    REQUIRE(log["deliveries"].size() == 2);
    for (const auto& e : log["deliveries"]) {
        CHECK(e["state"] == "delivered");
        CHECK(e["attempts"] >= 2);
        CHECK(e["last_status"] == 200);
    }
    // Agents (not admins) cannot read the delivery log.
    const auto anna = login(port, "anna@shop.test", "anna-password");
    CHECK(
        http_call(port, http::verb::get, "/api/webhooks/deliveries", {}, {{"Cookie", anna.cookie}})
            .status == 403);
}

TEST_CASE("notices: the shop pushes a message to an identified shopper, signed") {
    deployment d({}, {"--no-rate-limits"});
    const auto port = d.port();
    const std::string inbound = "demo-shop-inbound-secret";
    auto notify = [&](const json& body, const std::string& key) {
        const auto ts = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
        return http_call(
            port, http::verb::post, "/api/notify", body.dump(),
            {{"X-Parley-Timestamp", std::to_string(ts)},
             {"X-Parley-Signature", parley::server::signature_header(key, ts, body.dump())}});
    };
    const json notice = {{"user_id", "cust-42"},
                         {"id", "delay-1001"},
                         {"text", "Your order 1001 is delayed; new estimate: Friday."}};
    CHECK(notify(notice, "wrong-secret").status == 401);
    CHECK(http_call(port, http::verb::post, "/api/notify", notice.dump()).status == 401);
    auto r = notify(notice, inbound);
    REQUIRE(r.status == 201);
    CHECK(notify(notice, inbound).body_json()["duplicate"] == true);  // a retry is stored once
    // The demo allows two notices a day per shopper; a third is refused.
    CHECK(notify(json{{"user_id", "cust-42"}, {"id", "n2"}, {"text", "Second"}}, inbound).status ==
          201);
    CHECK(notify(json{{"user_id", "cust-42"}, {"id", "n3"}, {"text", "Third"}}, inbound).status ==
          429);
    CHECK(notify(notice, inbound).status == 200);  // a retry of a stored one still answers

    ws_client shopper(port, "/ws/shopper", origin(port));
    hello(shopper, nullptr, 0,
          json{{"id", "cust-42"},
               {"hash", parley::server::hmac_sha256_hex(identity_secret, "cust-42")}});
    const json m = next_message(shopper, "bot");
    CHECK(m["text"] == "Your order 1001 is delayed; new estimate: Friday.");
    CHECK(m["reply"]["kind"] == "proactive");
}
