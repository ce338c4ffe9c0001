#include "parley/tokenizer.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace parley;

namespace {
bool has(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}
}  // namespace

TEST_CASE("light stemming joins word forms") {
    CHECK(stem_english("shipping") == stem_english("shipped"));
    CHECK(stem_english("ships") == stem_english("ship"));
    CHECK(stem_english("deliveries") == "delivery");
    CHECK(stem_english("charges") == stem_english("charging"));
    CHECK(stem_english("used") == "used");  // too short to cut
    CHECK(stem_english("address") == "address");
    CHECK(stem_english("status") == "status");
}

TEST_CASE("english tokens drop function words and keep question words") {
    const auto t = tokenize("where is the status of my orders?");
    CHECK(has(t, stem_english("where")));
    CHECK(has(t, "order"));
    CHECK_FALSE(has(t, "the"));
    CHECK_FALSE(has(t, "is"));
}

TEST_CASE("chinese text becomes characters and bigrams") {
    const auto t = tokenize("运费多少");
    CHECK(has(t, "运"));
    CHECK(has(t, "运费"));
    CHECK(has(t, "多少"));
    CHECK(t.size() == 4 + 3);
}

TEST_CASE("mixed text, digits, emoji and placeholders") {
    const auto t = tokenize("订单[order] ps5 🙂 what's up");
    CHECK(has(t, "订单"));
    CHECK(has(t, "#order"));
    CHECK(has(t, "ps5"));
    CHECK(has(t, "🙂"));
    CHECK(has(t, "what"));
    CHECK(tokenize("").empty());
    CHECK(tokenize("?!.,").empty());
}

TEST_CASE("hostile input does not crash") {
    std::string big(1 << 20, 'a');
    big[1000] = ' ';
    CHECK(tokenize(big).size() == 2);
    CHECK_NOTHROW(tokenize("\xff\xfe[[[[]]]]''''"));
}
