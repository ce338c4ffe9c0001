#include "shop_endpoint.hpp"

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "auth.hpp"
#include "test_http_server.hpp"

using namespace parley::server;

TEST_CASE("URL templates encode every value") {
    CHECK(expand_url("https://shop.test/o/{order_number}?email={email}",
                     {{"order_number", "1001"}, {"email", "a+b@x.test"}},
                     "") == "https://shop.test/o/1001?email=a%2Bb%40x.test");
    CHECK(expand_url("https://shop.test/o/{order_number}", {{"order_number", "../admin?x=1#"}},
                     "") == "https://shop.test/o/..%2Fadmin%3Fx%3D1%23");
    CHECK(expand_url("{self}/demo/{n}", {{"n", "中"}}, "http://127.0.0.1:9") ==
          "http://127.0.0.1:9/demo/%E4%B8%AD");
    CHECK(expand_url("https://x.test/{unknown}/{", {}, "") == "https://x.test//{");
}

TEST_CASE("URLs: only http and https, no credentials") {
    auto u = parse_url("https://shop.test:8443/a?b=c");
    REQUIRE(u);
    CHECK(u->tls);
    CHECK(u->host == "shop.test");
    CHECK(u->port == "8443");
    CHECK(u->target == "/a?b=c");
    u = parse_url("http://127.0.0.1?x");
    REQUIRE(u);
    CHECK(u->port == "80");
    CHECK(u->target == "/?x");
    u = parse_url("http://[::1]:81/");
    REQUIRE(u);
    CHECK(u->host == "::1");
    for (const auto* bad : {"ftp://x/", "https://user:pw@x/", "https://x/a#frag", "https://x:0/",
                            "https://x:99999/", "https:///path", "https://x/a b", "javascript:1"})
        CHECK_MESSAGE(!parse_url(bad), bad);
}

TEST_CASE("signatures and backoff") {
    CHECK(signature_header("k", 1700000000, "body") ==
          "v1=" + hmac_sha256_hex("k", "1700000000.body"));
    CHECK(endpoint_signed_text("GET", "/o/1?e=x", "") == "GET /o/1?e=x\n");
    using ms = std::chrono::milliseconds;
    CHECK(retry_delay(1, ms(1000), ms(300000)) == ms(1000));
    CHECK(retry_delay(4, ms(1000), ms(300000)) == ms(8000));
    CHECK(retry_delay(40, ms(1000), ms(300000)) == ms(300000));
}

namespace {
endpoint_result call(parley::endpoint_spec e, std::map<std::string, std::string> values = {}) {
    boost::asio::io_context ioc;
    http_client client;
    auto f = boost::asio::co_spawn(ioc, call_endpoint(client, e, values, "", ""),
                                   boost::asio::use_future);
    ioc.run();
    return f.get();
}
}  // namespace

TEST_CASE("endpoint calls: headers, signature, retries, timeouts") {
    using parley::test::scripted_reply;
    int calls = 0;
    parley::test::test_http_server shop([&](const auto& req) -> scripted_reply {
        ++calls;
        const std::string target(req.target());
        if (target.rfind("/ok", 0) == 0) return {200, R"({"status":"shipped"})"};
        if (target.rfind("/flaky", 0) == 0)
            return calls < 3 ? scripted_reply{503, "busy"} : scripted_reply{200, "{}"};
        if (target.rfind("/slow", 0) == 0) return {200, "{}", 1500};
        if (target.rfind("/missing", 0) == 0) return {404, "{}"};
        return {500, "oops"};
    });
    parley::endpoint_spec e;
    e.url = shop.url("/ok/{order_number}?email={email}");
    e.headers = {{"X-Shop-Key", "k1"}};
    e.hmac_secret = "s3cret";
    auto r = call(e, {{"order_number", "1001"}, {"email", "a@b.c"}});
    CHECK(r.response.status == 200);
    CHECK(r.attempts == 1);
    const auto req = shop.requests().back();
    CHECK(req.target() == "/ok/1001?email=a%40b.c");
    CHECK(req["X-Shop-Key"] == "k1");
    const auto ts = std::stoll(std::string(req["X-Parley-Timestamp"]));
    CHECK(
        std::string(req["X-Parley-Signature"]) ==
        signature_header("s3cret", ts, endpoint_signed_text("GET", "/ok/1001?email=a%40b.c", "")));

    calls = 0;
    e.url = shop.url("/flaky");
    e.retries = 2;
    r = call(e);
    CHECK(r.response.status == 200);  // 503, 503, then 200
    CHECK(r.attempts == 3);

    calls = 0;
    e.url = shop.url("/broken");
    e.retries = 1;
    r = call(e);
    CHECK(r.response.status == 500);
    CHECK(r.attempts == 2);

    e.url = shop.url("/missing");
    r = call(e);
    CHECK(r.response.status == 404);
    CHECK(r.attempts == 1);  // a 4xx is an answer, not a failure to retry

    e.url = shop.url("/slow");
    e.timeout_ms = 200;
    e.retries = 0;
    const auto started = std::chrono::steady_clock::now();
    r = call(e);
    CHECK(r.response.timed_out);
    CHECK(r.response.status == 0);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1200));

    e.url = "http://127.0.0.1:1/refused";  // nothing listens on port 1
    r = call(e);
    CHECK(r.response.status == 0);
    CHECK_FALSE(r.response.error.empty());
}
