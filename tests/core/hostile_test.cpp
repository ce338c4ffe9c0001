// Hostile text through the whole engine: the big list of naughty strings,
// invalid UTF-8, control characters and a 1 MB message. Nothing may crash,
// every reply must serialize, and stored text must stay valid UTF-8.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "parley/dialog.hpp"
#include "parley/utf8.hpp"
#include "test_support.hpp"

using namespace parley;

namespace {
const dialog_engine& engine() {
    static const dialog_engine e(parse_config(test::demo_config_text()));
    return e;
}
void check_safe(const std::string& text) {
    session s;
    const reply r = engine().respond(s, text);
    CHECK(utf8::is_valid(r.masked_text));
    CHECK(utf8::is_valid(r.text));
    CHECK_NOTHROW(nlohmann::json::parse(r.to_json()));
    CHECK_NOTHROW(session::from_json(s.to_json()));
}
}  // namespace

TEST_CASE("big list of naughty strings") {
    const auto list =
        nlohmann::json::parse(test::read_text_file(test::data_path("hostile/blns.json")));
    REQUIRE(list.size() > 500);
    for (const auto& item : list) check_safe(item.get<std::string>());
}

TEST_CASE("invalid UTF-8, control characters, huge messages") {
    check_safe("\xff\xfe\xfd order \xc3");
    check_safe(std::string("\0\x01\x02\x1b[31mred\x7f", 12));
    check_safe("<script>alert(1)</script>");
    std::string huge(1 << 20, 'x');
    for (std::size_t i = 0; i < huge.size(); i += 7) huge[i] = ' ';
    check_safe(huge);
    std::string huge_zh;
    while (huge_zh.size() < (1 << 20)) huge_zh += "我的订单到哪了";
    check_safe(huge_zh);
    session s;
    const reply r = engine().respond(s, huge);
    CHECK(r.masked_text.size() <= 4000);  // analysis is bounded
}

TEST_CASE("a broken config in the middle of a conversation does not crash") {
    // A session from a config whose flow no longer exists just leaves the flow.
    session s;
    s.flow = flow_state{"no_such_flow", 0, {}, 0};
    const reply r = engine().respond(s, "how much is shipping");
    CHECK(r.kind == reply_kind::answer);
    CHECK_FALSE(s.flow.has_value());
}
