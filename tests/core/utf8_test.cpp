#include "parley/utf8.hpp"

#include <doctest/doctest.h>

using namespace parley;

TEST_CASE("utf8: valid text round-trips") {
    const std::string s = "héllo 你好 🙂";
    CHECK(utf8::is_valid(s));
    CHECK(utf8::encode(utf8::decode(s)) == s);
    CHECK(utf8::length(s) == 10);
}

TEST_CASE("utf8: invalid sequences become U+FFFD and never crash") {
    CHECK_FALSE(utf8::is_valid("\xff"));
    CHECK(utf8::sanitize("a\xff"
                         "b") ==
          "a\xEF\xBF\xBD"
          "b");
    CHECK(utf8::sanitize("\xC0\xAF") != "/");                   // overlong slash is not a slash
    CHECK_FALSE(utf8::is_valid("\xED\xA0\x80"));                // surrogate
    CHECK(utf8::sanitize("\xE4\xBD") == "\xEF\xBF\xBD");        // truncated 你
    CHECK(utf8::is_valid(utf8::sanitize("\xF4\x90\x80\x80")));  // > U+10FFFF
    CHECK(utf8::is_valid("\xEF\xBF\xBD"));                      // a literal U+FFFD is fine
}

TEST_CASE("utf8: truncate never splits a code point") {
    const std::string s = "你好";  // 6 bytes
    CHECK(utf8::truncate(s, 4) == "你");
    CHECK(utf8::truncate(s, 6) == s);
    CHECK(utf8::truncate(s, 0).empty());
}
