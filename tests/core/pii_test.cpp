#include "parley/pii.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <string_view>

using parley::mask_pii;
using parley::pii_kind;
using parley::pii_result;
using parley::pii_rules;

namespace {

std::string masked(std::string_view text, const pii_rules& rules = {}) {
    return mask_pii(text, rules).masked;
}

// The single entity found in `text`; fails the test if there is not exactly one.
parley::pii_entity only_entity(std::string_view text, const pii_rules& rules = {}) {
    pii_result r = mask_pii(text, rules);
    REQUIRE(r.entities.size() == 1);
    return r.entities[0];
}

// Checks that an entity's offsets point at its value in the input.
void check_offsets(std::string_view text, const pii_result& r) {
    for (const auto& e : r.entities) {
        REQUIRE(e.begin < e.end);
        REQUIRE(e.end <= text.size());
        CHECK(text.substr(e.begin, e.end - e.begin) == e.value);
    }
}

}  // namespace

TEST_CASE("pii: names and placeholders") {
    CHECK(parley::pii_placeholder(pii_kind::email) == "[EMAIL]");
    CHECK(parley::pii_placeholder(pii_kind::phone) == "[PHONE]");
    CHECK(parley::pii_placeholder(pii_kind::card) == "[CARD]");
    CHECK(parley::pii_placeholder(pii_kind::cn_id) == "[CN_ID]");
    CHECK(parley::pii_placeholder(pii_kind::order_number) == "[ORDER]");
    for (pii_kind k : {pii_kind::email, pii_kind::phone, pii_kind::card, pii_kind::cn_id,
                       pii_kind::order_number}) {
        pii_kind back = pii_kind::email;
        REQUIRE(parley::pii_kind_from_name(parley::pii_name(k), back));
        CHECK(back == k);
    }
    CHECK(parley::pii_name(pii_kind::order_number) == "order_number");
    pii_kind out = pii_kind::phone;
    CHECK_FALSE(parley::pii_kind_from_name("Email", out));
    CHECK_FALSE(parley::pii_kind_from_name("", out));
    CHECK(out == pii_kind::phone);
}

TEST_CASE("pii: validators") {
    CHECK(parley::luhn_valid("4111111111111111"));
    CHECK(parley::luhn_valid("378282246310005"));
    CHECK_FALSE(parley::luhn_valid("4111111111111112"));
    CHECK_FALSE(parley::luhn_valid(""));
    CHECK_FALSE(parley::luhn_valid("4111 1111 1111 1111"));

    CHECK(parley::cn_id_valid("11010519491231002X"));
    CHECK(parley::cn_id_valid("11010519491231002x"));
    CHECK(parley::cn_id_valid("440304199001011233"));
    CHECK_FALSE(parley::cn_id_valid("110105194912310021"));  // wrong check code
    CHECK_FALSE(parley::cn_id_valid("11010519491231002"));   // 17 chars
    CHECK_FALSE(parley::cn_id_valid("1101051949123100XX"));  // X only at the end
    CHECK_FALSE(parley::cn_id_valid("110105194913310028"));  // month 13

    CHECK(parley::looks_like_email("john.doe+shop@mail.example.co.uk"));
    CHECK(parley::looks_like_email("A_B%c-d@x.cn"));
    CHECK_FALSE(parley::looks_like_email("john@localhost"));
    CHECK_FALSE(parley::looks_like_email("john@@x.com"));
    CHECK_FALSE(parley::looks_like_email("mail john@x.com"));
    CHECK_FALSE(parley::looks_like_email("john..doe@x.com"));
    CHECK_FALSE(parley::looks_like_email(".john@x.com"));
    CHECK_FALSE(parley::looks_like_email("john@x.c"));
    CHECK_FALSE(parley::looks_like_email("john@-x.com"));
    CHECK_FALSE(parley::looks_like_email(""));
}

TEST_CASE("pii: emails") {
    CHECK(masked("mail me at john@example.com please") == "mail me at [EMAIL] please");
    CHECK(masked("john.doe+orders@mail.shop.example.co.uk") == "[EMAIL]");
    CHECK(masked("<a_b-c%d@sub-domain.example.org>") == "<[EMAIL]>");
    CHECK(masked("Email: JOHN@EXAMPLE.COM.") == "Email: [EMAIL].");

    SUBCASE("inside Chinese text") {
        const std::string text = "我的邮箱是a.b@x.cn谢谢";
        pii_result r = mask_pii(text);
        CHECK(r.masked == "我的邮箱是[EMAIL]谢谢");
        REQUIRE(r.entities.size() == 1);
        CHECK(r.entities[0].kind == pii_kind::email);
        CHECK(r.entities[0].value == "a.b@x.cn");
        CHECK(r.entities[0].begin == std::string("我的邮箱是").size());
        check_offsets(text, r);
    }
    SUBCASE("not emails") {
        for (std::string_view text : {"@john", "john@", "john@localhost", "a@b", "email@ me",
                                      "x@1.2.3.4", "@@@", "user@.com", "john@x.c"}) {
            CAPTURE(text);
            CHECK(masked(text) == text);
        }
    }
    SUBCASE("trailing numeric label stays outside") {
        CHECK(only_entity("a@b.com.123").value == "a@b.com");
    }
}

TEST_CASE("pii: phones") {
    for (std::string_view text : {"+44 20 7946 0958",  "+1 (415) 555-2671", "+86 138 1234 5678",
                                  "+86-138-1234-5678", "+8613812345678",    "+44 (0)20 7946 0958",
                                  "13812345678",       "138-1234-5678",     "138 1234 5678",
                                  "(415) 555-2671",    "415-555-2671",      "415.555.2671",
                                  "1-800-555-1234",    "555-2671",          "020 7946 0958",
                                  "010-12345678",      "(0755) 1234 5678",  "01 23 45 67 89",
                                  "02079460958",       "008613812345678"}) {
        CAPTURE(text);
        const std::string input = "call " + std::string(text) + " now";
        pii_result r = mask_pii(input);
        CHECK(r.masked == "call [PHONE] now");
        REQUIRE(r.entities.size() == 1);
        CHECK(r.entities[0].kind == pii_kind::phone);
        CHECK(r.entities[0].value == text);
        CHECK(r.entities[0].begin == 5);
        check_offsets(input, r);
    }
    CHECK(masked("手机13812345678谢谢") == "手机[PHONE]谢谢");
    CHECK(masked("电话：+86 138 1234 5678。") == "电话：[PHONE]。");
    CHECK(masked("(+44 20 7946 0958)") == "([PHONE])");

    SUBCASE("plain digit runs up to 10 digits are order numbers, not phones") {
        CHECK(only_entity("5552671").kind == pii_kind::order_number);
        CHECK(only_entity("4155552671").kind == pii_kind::order_number);
    }
    SUBCASE("not phones") {
        for (std::string_view text :
             {"12345678901", "+12", "1+1234567=2", "12913812345678", "13812345678x", "123-456-7890",
              "2024-05-01 12:30", "01-05-2024 1234", "01.05.2024", "192.168.1.100",
              "978-3-16-148410-0", "94105-1234", "10:00-18:00"}) {
            CAPTURE(text);
            CHECK(masked(text) == text);
        }
    }
}

TEST_CASE("pii: cards") {
    for (std::string_view text :
         {"4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "3782 822463 10005",
          "6011111111111117", "6222 0212 3456 7890 128"}) {
        CAPTURE(text);
        const std::string input = "card: " + std::string(text) + ", thanks";
        pii_result r = mask_pii(input);
        CHECK(r.masked == "card: [CARD], thanks");
        REQUIRE(r.entities.size() == 1);
        CHECK(r.entities[0].kind == pii_kind::card);
        CHECK(r.entities[0].value == text);
        check_offsets(input, r);
    }
    CHECK(masked("卡号4111111111111111。") == "卡号[CARD]。");

    SUBCASE("Luhn failures are not cards, nor split into order numbers") {
        CHECK(masked("4111111111111112") == "4111111111111112");
        CHECK(masked("4111 1111 1111 1112") == "4111 1111 1111 1112");
        CHECK(masked("4111-1111-1111-1112") == "4111-1111-1111-1112");
    }
    SUBCASE("mixed separators and bad shapes are not cards") {
        CHECK(masked("4111 1111-1111 1111") == "4111 1111-1111 1111");
        CHECK(masked("41 11 11 11 11 11 11 11") == "41 11 11 11 11 11 11 11");
        CHECK(masked("0111111111111111") == "0111111111111111");
        CHECK(masked("41111111111111111111") == "41111111111111111111");  // 20 digits
    }
    SUBCASE("extra group after a valid card is left out") {
        pii_result r = mask_pii("4111 1111 1111 1111 5");
        REQUIRE_FALSE(r.entities.empty());
        CHECK(r.entities[0].kind == pii_kind::card);
        CHECK(r.entities[0].value == "4111 1111 1111 1111");
    }
}

TEST_CASE("pii: Chinese ID numbers") {
    for (std::string_view text : {"11010519491231002X", "11010519491231002x", "440304199001011233",
                                  "110105 19491231 002X", "440304-19900101-1233"}) {
        CAPTURE(text);
        const std::string input = "身份证" + std::string(text) + "。";
        pii_result r = mask_pii(input);
        CHECK(r.masked == "身份证[CN_ID]。");
        REQUIRE(r.entities.size() == 1);
        CHECK(r.entities[0].kind == pii_kind::cn_id);
        CHECK(r.entities[0].value == text);
        check_offsets(input, r);
    }
    SUBCASE("invalid checksum or date is not an ID") {
        for (std::string_view text : {"110105194912310021", "110105194913310028",
                                      "11010519491231002Y", "11010519491231002XX"}) {
            CAPTURE(text);
            pii_result r = mask_pii(text);
            for (const auto& e : r.entities) CHECK(e.kind != pii_kind::cn_id);
        }
    }
    SUBCASE("an ID that also passes Luhn is an ID") {
        REQUIRE(parley::luhn_valid("110101199003070054"));
        CHECK(only_entity("110101199003070054").kind == pii_kind::cn_id);
        pii_rules no_id;
        no_id.cn_id = false;
        CHECK(only_entity("110101199003070054", no_id).kind == pii_kind::card);
    }
}

TEST_CASE("pii: order numbers") {
    CHECK(masked("where is order 1001?") == "where is order [ORDER]?");
    CHECK(masked("订单1001的状态") == "订单[ORDER]的状态");
    CHECK(masked("No.1001") == "No.[ORDER]");

    auto e = only_entity("status of #1001 please");
    CHECK(e.kind == pii_kind::order_number);
    CHECK(e.value == "#1001");
    CHECK(e.begin == 10);
    CHECK(e.end == 15);

    pii_rules so;
    so.order_prefix = "SO-";
    e = only_entity("order SO-1001 is late", so);
    CHECK(e.value == "SO-1001");
    CHECK(e.begin == 6);
    CHECK(masked("so-1001 and #SO-1002 and 1003", so) == "[ORDER] and [ORDER] and [ORDER]");
    CHECK(masked("ALSO-1001", so) == "ALSO-[ORDER]");  // the prefix is not standalone
    CHECK(masked("x#1001") == "x#1001");

    SUBCASE("digit count limits") {
        CHECK(masked("order 123") == "order 123");
        CHECK(masked("order 1234567890") == "order [ORDER]");
        CHECK(masked("order 12345678901") == "order 12345678901");
        pii_rules five;
        five.order_min_digits = 5;
        CHECK(masked("in 2023 we shipped 10001", five) == "in 2023 we shipped [ORDER]");
        pii_rules inverted;
        inverted.order_min_digits = 8;
        inverted.order_max_digits = 4;
        CHECK(masked("order 1001 and 12345678", inverted) == "order 1001 and 12345678");
        pii_rules wide;
        wide.order_max_digits = 12;
        CHECK(only_entity("order 123456789012", wide).kind == pii_kind::order_number);
    }
    SUBCASE("two orders side by side") {
        pii_result r = mask_pii("orders 1001 1002");
        CHECK(r.masked == "orders [ORDER] [ORDER]");
    }
}

TEST_CASE("pii: false positives stay untouched") {
    pii_rules five;
    five.order_min_digits = 5;
    CHECK(masked("in 2023", five) == "in 2023");
    for (std::string_view text : {"it costs $19.99",
                                  "it costs $1999",
                                  "only ¥1999 today",
                                  "RMB 1999",
                                  "1999元",
                                  "1,299.00 EUR",
                                  "19,99 €",
                                  "50%",
                                  "2024年5月1日",
                                  "delivered 2024-05-01",
                                  "on 05/01/2024",
                                  "01.05.2024",
                                  "size 42",
                                  "3 items",
                                  "I am 42 years old",
                                  "version 1.2.3",
                                  "v2.10.1",
                                  "Chrome 124.0.6367.91",
                                  "iOS 17.4.1",
                                  "at 10:30",
                                  "1920x1080",
                                  "ip 192.168.1.100",
                                  "1001-1003",
                                  "SKU12345",
                                  "item_12345",
                                  "3.14159265",
                                  "qty 2, 3 or 4",
                                  ""}) {
        CAPTURE(text);
        pii_result r = mask_pii(text);
        CHECK(r.masked == text);
        CHECK(r.entities.empty());
    }
}

TEST_CASE("pii: overlapping precedence") {
    SUBCASE("email beats the phone inside it") {
        auto e = only_entity("13812345678@qq.com");
        CHECK(e.kind == pii_kind::email);
        CHECK(e.value == "13812345678@qq.com");
        pii_rules no_email;
        no_email.email = false;
        CHECK(masked("13812345678@qq.com", no_email) == "[PHONE]@qq.com");
    }
    SUBCASE("email beats an order number") {
        CHECK(masked("1001@shop.com") == "[EMAIL]");
    }
    SUBCASE("phone beats an order number when both fit") {
        pii_rules wide;
        wide.order_max_digits = 12;
        CHECK(only_entity("13812345678", wide).kind == pii_kind::phone);
        wide.phone = false;
        CHECK(only_entity("13812345678", wide).kind == pii_kind::order_number);
    }
    SUBCASE("card beats order and phone") {
        pii_rules wide;
        wide.order_max_digits = 19;
        CHECK(only_entity("4111111111111111", wide).kind == pii_kind::card);
    }
    SUBCASE("an order right after a phone is still found") {
        pii_result r = mask_pii("13812345678 1001");
        CHECK(r.masked == "[PHONE] [ORDER]");
    }
}

TEST_CASE("pii: several entities with offsets") {
    const std::string text =
        "Hi, I'm a.b+x@mail.example.com, phone +1 (415) 555-2671; order #1001 paid with "
        "4111-1111-1111-1111. 身份证11010519491231002X，手机138 1234 5678。Thanks!";
    pii_result r = mask_pii(text);
    CHECK(r.masked ==
          "Hi, I'm [EMAIL], phone [PHONE]; order [ORDER] paid with [CARD]. 身份证[CN_ID]，手机"
          "[PHONE]。Thanks!");
    REQUIRE(r.entities.size() == 6);
    const pii_kind kinds[] = {pii_kind::email, pii_kind::phone, pii_kind::order_number,
                              pii_kind::card,  pii_kind::cn_id, pii_kind::phone};
    const char* values[] = {"a.b+x@mail.example.com", "+1 (415) 555-2671",  "#1001",
                            "4111-1111-1111-1111",    "11010519491231002X", "138 1234 5678"};
    for (std::size_t i = 0; i < r.entities.size(); ++i) {
        CAPTURE(i);
        CHECK(r.entities[i].kind == kinds[i]);
        CHECK(r.entities[i].value == values[i]);
        CHECK(r.entities[i].begin == text.find(values[i]));
        if (i > 0) CHECK(r.entities[i - 1].end <= r.entities[i].begin);
    }
    check_offsets(text, r);
}

TEST_CASE("pii: invalid UTF-8 survives untouched") {
    const std::string text = "\xff\xfe order 1001 \xc3 a@b.co\xe4\xb8 \x80\xed\xa0\x80";
    pii_result r = mask_pii(text);
    CHECK(r.masked == "\xff\xfe order [ORDER] \xc3 [EMAIL]\xe4\xb8 \x80\xed\xa0\x80");
    REQUIRE(r.entities.size() == 2);
    CHECK(r.entities[1].value == "a@b.co");
    check_offsets(text, r);
    // Embedded NUL bytes are just bytes.
    const std::string nul("a\0 1001", 7);
    CHECK(masked(nul) == std::string("a\0 [ORDER]", 10));
}

TEST_CASE("pii: rules turn kinds off") {
    const std::string text =
        "a@b.com +44 20 7946 0958 4111111111111111 11010519491231002X order 1001";
    CHECK(masked(text) == "[EMAIL] [PHONE] [CARD] [CN_ID] order [ORDER]");

    pii_rules r;
    r.email = false;
    CHECK(masked(text, r) == "a@b.com [PHONE] [CARD] [CN_ID] order [ORDER]");
    r = {};
    r.phone = false;
    CHECK(masked(text, r) == "[EMAIL] +44 20 7946 0958 [CARD] [CN_ID] order [ORDER]");
    r = {};
    r.card = false;
    CHECK(masked(text, r) == "[EMAIL] [PHONE] 4111111111111111 [CN_ID] order [ORDER]");
    r = {};
    r.cn_id = false;
    CHECK(masked(text, r) == "[EMAIL] [PHONE] [CARD] 11010519491231002X order [ORDER]");
    r = {};
    r.order_number = false;
    CHECK(masked(text, r) == "[EMAIL] [PHONE] [CARD] [CN_ID] order 1001");
    r.email = r.phone = r.card = r.cn_id = false;
    pii_result none = mask_pii(text, r);
    CHECK(none.masked == text);
    CHECK(none.entities.empty());
}

TEST_CASE("pii: empty input") {
    pii_result r = mask_pii("");
    CHECK(r.masked.empty());
    CHECK(r.entities.empty());
}

TEST_CASE("pii: 1 MB inputs stay linear") {
    const std::size_t size = 1 << 20;
    const std::string_view unit =
        "order 1001, mail a.b@x.cn, call +44 20 7946 0958 or 138-1234-5678, "
        "card 4111 1111 1111 1111, $19.99 on 2024-05-01 我的订单 ";
    std::string mixed;
    while (mixed.size() < size) mixed += unit;

    const std::string inputs[] = {
        mixed,
        std::string(size, '1'),  // one huge digit run
        [&] {
            std::string s;
            while (s.size() < size) s += "1 ";
            return s;
        }(),
        [&] {
            std::string s;
            while (s.size() < size) s += "a@";
            return s;
        }(),
        std::string(size, 'a') + "@example.com",
        [&] {
            std::string s;
            while (s.size() < size) s += "+1-(2)";
            return s;
        }(),
        std::string(size, '\xff'),
    };
    for (const auto& input : inputs) {
        const auto t0 = std::chrono::steady_clock::now();
        pii_result r = mask_pii(input);
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - t0)
                            .count();
        CAPTURE(input.substr(0, 16));
        CHECK(ms < 2000);
        CHECK(r.masked.size() <= input.size() + 8 * r.entities.size());
    }
    // The repeated unit masks the same way every time.
    pii_result r = mask_pii(mixed);
    const std::size_t units = (mixed.size() + unit.size() - 1) / unit.size();
    CHECK(r.entities.size() == units * 5);
}
