#pragma once
// Helpers of the end-to-end tests: a test shop config, accounts, sign-in, and
// the shopper's side of PROTOCOL.md in a few calls.
#include <doctest/doctest.h>

#include <fstream>
#include <memory>

#include "serve_process.hpp"
#include "ws_client.hpp"

namespace parley::test {

inline constexpr const char* identity_secret = "test-shop-secret";

// The demo shop without business hours (always open, so handoffs reach the
// queue whatever the time of day), with identity verification on.
inline std::string write_test_config(const std::filesystem::path& dir, const json& overrides = {}) {
    std::ifstream in(std::string(PARLEY_SOURCE_DIR) + "/demo/shop.json");
    json cfg = json::parse(in);
    cfg.erase("business_hours");
    cfg["identity_secret"] = identity_secret;
    for (const auto& [k, v] : overrides.items()) cfg[k] = v;
    const auto path = dir / "shop.json";
    std::ofstream(path) << cfg.dump();
    return path.string();
}

inline void add_agent(const std::filesystem::path& data, const std::string& email,
                      const std::string& name, const std::string& role, const std::string& password,
                      const std::string& db_url = {}) {
    const std::string where =
        db_url.empty() ? "--data '" + (data / "db").string() + "'" : "--db '" + db_url + "'";
    const std::string cmd = "echo '" + password + "' | " + PARLEY_BINARY + " agents add " + where +
                            " --email " + email + " --name '" + name + "' --role " + role +
                            " > /dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
}

struct session_cookie {
    std::string cookie;
    std::string csrf;
};

inline session_cookie login(unsigned short port, const std::string& email,
                            const std::string& password) {
    auto r = http_call(port, http::verb::post, "/api/login",
                       json{{"email", email}, {"password", password}}.dump());
    REQUIRE(r.status == 200);
    const std::string set = r.headers["Set-Cookie"];
    CHECK(set.find("HttpOnly") != std::string::npos);
    CHECK(set.find("SameSite=Strict") != std::string::npos);
    return {set.substr(0, set.find(';')), r.body_json()["csrf"].get<std::string>()};
}

inline std::map<std::string, std::string> origin(unsigned short port) {
    return {{"Origin", "http://127.0.0.1:" + std::to_string(port)}};
}

// A deployment with one agent and one admin, as tests need it.
struct deployment {
    temp_dir dir;
    std::string config;
    std::unique_ptr<serve_process> server;
    explicit deployment(const json& overrides = {}, std::vector<std::string> extra = {}) {
        config = write_test_config(dir.path(), overrides);
        add_agent(dir.path(), "anna@shop.test", "Anna", "agent", "anna-password");
        add_agent(dir.path(), "ben@shop.test", "Ben", "agent", "ben-password");
        add_agent(dir.path(), "boss@shop.test", "Boss", "admin", "boss-password");
        extra.insert(extra.begin(), {"--config", config});
        extra_ = extra;
        server = std::make_unique<serve_process>(dir.path(), extra_);
    }
    unsigned short port() const { return server->port(); }
    void restart_after_crash() {
        server->kill_now();
        server = std::make_unique<serve_process>(dir.path(), extra_);
    }
    std::vector<std::string> extra_;
};

inline json hello(ws_client& ws, const json& token = nullptr, std::int64_t last_id = 0,
                  const json& user = nullptr) {
    json h{{"type", "hello"}, {"token", token}, {"last_id", last_id}};
    if (!user.is_null()) h["user"] = user;
    ws.send(h);
    json w = ws.next();
    REQUIRE(w["type"] == "welcome");
    return w;
}

inline json say(ws_client& ws, const std::string& client_id, const std::string& text) {
    ws.send(json{{"type", "message"}, {"client_id", client_id}, {"text", text}});
    const json r = ws.wait_for([&](const json& j) {
        return (j["type"] == "ack" && j["client_id"] == client_id) || j["type"] == "error";
    });
    INFO(r.dump());
    REQUIRE(r["type"] == "ack");
    return r;
}

inline json next_message(ws_client& ws, const std::string& author) {
    return ws.wait_for(
        [&](const json& j) { return j["type"] == "message" && j["author"] == author; });
}

}  // namespace parley::test
