#include "parley/text.hpp"

#include <doctest/doctest.h>

using namespace parley;

TEST_CASE("normalize: case, width, whitespace, control characters") {
    CHECK(normalize("  Where IS   my\tORDER?  ") == "where is my order?");
    CHECK(normalize("ＡＢＣ１２３？") == "abc123?");
    CHECK(normalize("运费　多少，包邮吗？") == "运费 多少,包邮吗?");
    CHECK(normalize("a\x01"
                    "b\x7f"
                    "c") == "abc");
    CHECK(normalize("zero\xE2\x80\x8Bwidth") == "zerowidth");
    CHECK(normalize("ÉTÉ ÀÖ Straße") == "été àö strasse");
    CHECK(normalize("ΑΒΓ ДЖ") == "αβγ дж");
    CHECK(normalize("don’t") == "don't");
    CHECK(normalize("") == "");
    CHECK(normalize("\xff") == "\xEF\xBF\xBD");
}

TEST_CASE("language detection by script") {
    CHECK(detect_language("where is my order", language::zh) == language::en);
    CHECK(detect_language("我的订单到哪了", language::en) == language::zh);
    CHECK(detect_language("订单 1001 到哪了", language::en) == language::zh);
    CHECK(detect_language("where is my 订单", language::zh) == language::en);
    CHECK(detect_language("1001", language::zh) == language::zh);  // no letters: keep the session's
    CHECK(detect_language("🙂🙂", language::en) == language::en);
}

TEST_CASE("upper-case ratio detects shouting") {
    CHECK(upper_case_ratio("WHERE IS MY ORDER") == doctest::Approx(1.0));
    CHECK(upper_case_ratio("where is my order") == doctest::Approx(0.0));
    CHECK(upper_case_ratio("你好") == doctest::Approx(0.0));
}

TEST_CASE("language codes") {
    language l;
    CHECK(language_from_code("zh-CN", l));
    CHECK(l == language::zh);
    CHECK_FALSE(language_from_code("fr", l));
}
