#include "parley/json.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>

#include "parley/dialog.hpp"
#include "parley/session.hpp"

using namespace parley;

// The core's JSON replaced nlohmann::json, whose output the server, the widget,
// stored sessions and the parity test's golden files know: it must match byte
// for byte (numbers, escapes, U+FFFD replacement), and read what nlohmann read.

namespace {

std::string nlohmann_dump(const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string number_text(double v) {
    std::string out;
    json::append_number(out, v);
    return out;
}

}  // namespace

TEST_CASE("numbers are written as nlohmann writes them") {
    const double fixed[] = {0.0,
                            -0.0,
                            1.0,
                            -1.0,
                            0.5,
                            0.1,
                            0.30000000000000004,
                            100.0,
                            1e15,
                            1e16,
                            123456789012345.0,
                            1234567890123456.0,
                            1e-4,
                            1e-5,
                            0.00012345,
                            1.5e-7,
                            1e300,
                            -2.5e-300,
                            5e-324,
                            std::numeric_limits<double>::max(),
                            std::numeric_limits<double>::min(),
                            static_cast<double>(0.1f),
                            static_cast<double>(0.7f),
                            -48.092,
                            6.128,
                            std::nan(""),
                            std::numeric_limits<double>::infinity()};
    for (const double v : fixed) CHECK(number_text(v) == nlohmann_dump(nlohmann::json(v)));
    // nlohmann's Grisu2 is not always shortest (or closest): ~0.1% of random
    // doubles get other, longer digits there. Both read back to the same double
    // and use the same layout; ours are never longer.
    std::mt19937_64 rng(42);
    int same = 0;
    for (int i = 0; i < 20000; ++i) {
        double v;
        if (i % 2) {
            const std::uint64_t bits = rng();
            std::memcpy(&v, &bits, sizeof v);
        } else {
            v = std::uniform_real_distribution<double>(-1.0, 1.0)(rng);  // scores, confidences
        }
        if (!std::isfinite(v)) continue;
        const std::string ours = number_text(v), theirs = nlohmann_dump(nlohmann::json(v));
        if (ours == theirs) {
            ++same;
            continue;
        }
        CHECK(nlohmann::json::parse(ours).get<double>() == v);
        CHECK(ours.size() <= theirs.size());
        CHECK((ours.find('e') == std::string::npos) == (theirs.find('e') == std::string::npos));
    }
    CHECK(same > 19900);
}

TEST_CASE("strings are escaped and invalid UTF-8 replaced as nlohmann does") {
    const std::string cases[] = {
        "",
        "plain",
        "quote \" backslash \\ slash /",
        std::string("controls \b\f\n\r\t \x01\x1f\x7f", 23),
        std::string("nul \0 inside", 12),
        "中文 emoji 😀",
        "\xC0\x80 overlong",
        "\xED\xA0\x80 surrogate",
        "\xF4\x90\x80\x80 above U+10FFFF",
        "\xE4\xB8 truncated",
        "\xE4\xB8",
        "\x80\xBF stray",
        "\xF0\x9F\x98 cut emoji",
        "\xFF\xFE",
        "a\xE0\x80\x80z",
    };
    for (const auto& s : cases) CHECK(json::quote(s) == nlohmann_dump(nlohmann::json(s)));
    std::mt19937 rng(7);
    int differ = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string s(rng() % 8, '\0');
        for (auto& c : s) c = static_cast<char>(i % 3 ? 0x80 + rng() % 0x80 : rng() % 256);
        if (json::quote(s) != nlohmann_dump(nlohmann::json(s))) ++differ;
    }
    CHECK(differ == 0);
}

TEST_CASE("the writer places commas and colons") {
    json::writer w;
    w.begin_object().key("a").integer(-3).key("b").begin_array().end_array();
    w.key("c").begin_object().key("d").null().end_object().key("e").boolean(true);
    w.key("f").strings({"x", "y"}).end_object();
    CHECK(w.str() == R"({"a":-3,"b":[],"c":{"d":null},"e":true,"f":["x","y"]})");
}

TEST_CASE("reply and session JSON are nlohmann's text") {
    reply r;
    r.kind = reply_kind::action;
    r.text = "Order \"1001\"\n";
    r.confidence = 0.7312f;
    r.item_id = "order_status";
    r.masked_text = "order [ORDER_NUMBER]";
    r.sentiment.score = -0.25;
    r.sentiment.frustration = 0.1;
    r.sentiment.cues = {"late"};
    r.action = flow_action{"order_lookup", "order_status", {{"order_number", "1001"}}};
    const auto j = nlohmann::json::parse(r.to_json());
    CHECK(nlohmann_dump(j) == r.to_json());  // sorted keys, same numbers
    CHECK(j.at("confidence").get<double>() == static_cast<double>(r.confidence));

    session s;
    s.turns = 2;
    s.flow = flow_state{"order_status", 1, {{"b", "2"}, {"a", "1"}}, 0};
    s.pending_options = {"x"};
    s.last_frustration = 0.30000000000000004;
    CHECK(nlohmann_dump(nlohmann::json::parse(s.to_json())) == s.to_json());
    CHECK(session::from_json(s.to_json()).last_frustration == s.last_frustration);
}

TEST_CASE("the reader follows RFC 8259 and nlohmann's object rules") {
    const auto v = json::parse(
        "\xEF\xBB\xBF { \"b\": [1, -2.5e1, true, null], \"a\": \"\\u00e9\\ud83d\\ude00\", \"b\": 7 "
        "} ");
    REQUIRE(v.is_object());
    REQUIRE(v.size() == 2);
    CHECK(v.key(0) == "a");  // sorted
    CHECK(v[0].as_string() == "é😀");
    REQUIRE(v.find("b"));
    CHECK(v.find("b")->is_integer());
    CHECK(v.find("b")->as_int() == 7);  // the last duplicate wins
    CHECK(!v.find("c"));
    const auto a = json::parse("[1, -2.5e1, 1.0, 18446744073709551615]");
    CHECK(a[0].is_integer());
    CHECK(!a[1].is_integer());
    CHECK(a[1].as_double() == -25.0);
    CHECK(!a[2].is_integer());
    CHECK(a[3].is_integer());
    for (const char* bad :
         {"",    " ",     "{",       "[1,]",         "{\"a\":1,}",  "01",          "1.",
          ".5",  "+1",    "\"\\x\"", "\"a\nb\"",     "\"\\ud800\"", "\"\\udc00\"", "tru",
          "nul", "[1] 2", "{'a':1}", "\"\xC0\x80\"", "1e400",       "\"\xFF\""}) {
        CHECK_THROWS_AS(json::parse(bad), json::parse_error);
        CHECK_THROWS(nlohmann::json::parse(bad));
    }
    CHECK_THROWS_AS(json::parse(std::string(100000, '[')), json::parse_error);
}
