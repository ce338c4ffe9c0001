// Golden multi-turn conversations against the bundled demo shop: scripted
// shopper lines and the bot behaviour each must produce.
#include "parley/dialog.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

using namespace parley;

namespace {

const dialog_engine& demo_engine() {
    static const dialog_engine e(parse_config(test::demo_config_text()));
    return e;
}

struct turn {
    std::string shopper;
    reply_kind kind;
    std::string item;      // expected item id ("" = don't care)
    std::string contains;  // substring of the reply text ("" = don't care)
};

// Runs a conversation; every turn is checked, and the session goes through
// JSON between turns as it does between the browser and the server.
session run(const std::vector<turn>& script, language lang = language::en) {
    session s;
    s.lang = lang;
    for (const auto& t : script) {
        s = session::from_json(s.to_json());
        const reply r = demo_engine().respond(s, t.shopper);
        INFO("shopper: ", t.shopper, " -> ", r.to_json());
        CHECK(reply_kind_name(r.kind) == reply_kind_name(t.kind));
        if (!t.item.empty()) CHECK(r.item_id == t.item);
        if (!t.contains.empty()) CHECK(r.text.find(t.contains) != std::string::npos);
    }
    return s;
}

}  // namespace

TEST_CASE("golden: FAQ answers in English and Chinese") {
    run({{"hello", reply_kind::smalltalk, "", "Hello"},
         {"how much is shipping?", reply_kind::answer, "", "€75"},
         {"can I pay with Alipay?", reply_kind::answer, "", "Alipay"},
         {"thanks!", reply_kind::smalltalk, "", "welcome"}});
    run({{"你好", reply_kind::smalltalk, "", "您好"},
         {"运费多少钱", reply_kind::answer, "", "75"},
         {"能用支付宝吗", reply_kind::answer, "", "支付宝"},
         {"谢谢", reply_kind::smalltalk, "", "不客气"}},
        language::zh);
}

TEST_CASE("golden: order status flow with re-prompts, emitting a lookup action") {
    session s = run({{"where is my order", reply_kind::ask, "order_status", "order number"},
                     {"not sure, maybe blue?", reply_kind::ask, "order_status",
                      "doesn't look like an order number"},
                     {"#1001", reply_kind::ask, "order_status", "email"},
                     {"jane@example.com", reply_kind::action, "order_status", "1001"}});
    CHECK_FALSE(s.flow.has_value());

    session t;
    const reply first =
        demo_engine().respond(t, "where is my order 1001? my email is jane@example.com");
    CHECK(first.kind == reply_kind::action);
    REQUIRE(first.action.has_value());
    CHECK(first.action->name == "order_lookup");
    CHECK(first.action->params.at("order_number") == "1001");
    CHECK(first.action->params.at("email") == "jane@example.com");
    CHECK(first.masked_text.find("jane@") == std::string::npos);  // stored text is masked
    CHECK(first.to_json().find("\"pii\":[\"order_number\",\"email\"]") != std::string::npos);
}

TEST_CASE("golden: Chinese order flow") {
    run({{"我的订单到哪了", reply_kind::ask, "order_status", "订单号"},
         {"订单号是1002", reply_kind::ask, "order_status", "邮箱"},
         {"wang@example.cn", reply_kind::action, "order_status", "1002"}},
        language::zh);
}

TEST_CASE("golden: topic switch and cancel mid-flow") {
    session s =
        run({{"I want to return my order", reply_kind::ask, "return_refund", "order number"},
             {"can I pay with PayPal?", reply_kind::answer, "", "PayPal"}});
    CHECK_FALSE(s.flow.has_value());
    run({{"帮我改一下收货地址", reply_kind::ask, "change_address", "订单号"},
         {"算了", reply_kind::notice, "", "取消"}},
        language::zh);
    run({{"cancel my order", reply_kind::ask, "cancel_order", "order number"},
         {"1003", reply_kind::ask, "cancel_order", "email"},
         {"a@b.com", reply_kind::ask, "cancel_order", "yes or no"},
         {"no", reply_kind::notice, "", "stopped"}});
}

TEST_CASE("golden: a flow that keeps failing hands off with the reason") {
    session s = run({{"where is my order", reply_kind::ask, "order_status", ""},
                     {"blue", reply_kind::ask, "", ""},
                     {"green", reply_kind::ask, "", ""},
                     {"red", reply_kind::handoff, "", ""}});
    CHECK(s.handed_off);
    CHECK(s.handoff == handoff_reason::flow_failed);
}

TEST_CASE("golden: handoff triggers") {
    session a = run({{"I want to talk to a real person", reply_kind::handoff, "", ""},
                     {"hello?", reply_kind::relay, "", ""}});
    CHECK(a.handoff == handoff_reason::requested);
    session b = run({{"转人工", reply_kind::handoff, "", "人工"}}, language::zh);
    CHECK(b.handoff == handoff_reason::requested);
    session c = run({{"this is ridiculous, I've been waiting 3 weeks!!! useless",
                      reply_kind::handoff, "", "sorry"}});
    CHECK(c.handoff == handoff_reason::frustration);
    session d = run({{"太垃圾了，气死我了", reply_kind::handoff, "", ""}}, language::zh);
    CHECK(d.handoff == handoff_reason::frustration);
    session e = run({{"what is the capital of peru", reply_kind::fallback, "", ""},
                     {"do you sell helicopters to mars", reply_kind::handoff, "", ""}});
    CHECK(e.handoff == handoff_reason::repeated_fallback);
}

TEST_CASE("greeting and language follow the shopper") {
    session s;
    CHECK(demo_engine().greet(s).text.find("Northwind") != std::string::npos);
    s.lang = language::zh;
    CHECK(demo_engine().greet(s).kind == reply_kind::smalltalk);
    session t;
    const auto r = demo_engine().respond(t, "怎么退货");
    CHECK(r.lang == language::zh);
    CHECK(t.lang == language::zh);
}

TEST_CASE("reply JSON is well-formed and carries no PII originals outside the action") {
    session s;
    const auto r = demo_engine().respond(
        s, "my card 4111 1111 1111 1111 was declined, call me on +44 20 7946 0958");
    const auto j = nlohmann::json::parse(r.to_json());
    CHECK(j["masked_text"].get<std::string>().find("4111") == std::string::npos);
    CHECK(j["masked_text"].get<std::string>().find("7946") == std::string::npos);
    CHECK(r.to_json().find("4111") == std::string::npos);
}

TEST_CASE("the stored reply JSON drops masked_text and the action's slot values") {
    session s;
    const auto& engine = demo_engine();
    engine.respond(s, "where is my order");
    engine.respond(s, "1001");
    const auto r = engine.respond(s, "me@example.com");
    REQUIRE(r.action);
    const auto full = nlohmann::json::parse(r.to_json());
    auto stored = nlohmann::json::parse(r.to_json(true));
    CHECK_FALSE(stored.contains("masked_text"));
    CHECK(stored["action"]["params"] == nlohmann::json::array({"email", "order_number"}));
    CHECK(r.to_json(true).find("me@example.com") == std::string::npos);
    // Everything else is the full reply's.
    auto expect = full;
    expect.erase("masked_text");
    expect["action"]["params"] = nlohmann::json::array({"email", "order_number"});
    CHECK(stored == expect);
}

TEST_CASE("a Chinese shopper typing only an email or an order number stays in Chinese") {
    session s;
    demo_engine().respond(s, "我的订单到哪了");
    CHECK(s.lang == language::zh);
    auto r = demo_engine().respond(s, "1002");
    CHECK(r.lang == language::zh);
    r = demo_engine().respond(s, "mei.chen@example.com");
    CHECK(r.kind == reply_kind::action);
    CHECK(r.lang == language::zh);
    CHECK(r.text.find("正在为您查询订单") != std::string::npos);
    // Words still switch the language.
    r = demo_engine().respond(s, "how long does shipping take?");
    CHECK(r.lang == language::en);
}
