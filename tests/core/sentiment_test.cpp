#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "parley/sentiment.hpp"

using parley::analyze_sentiment;

namespace {

bool has_cue(const parley::sentiment_result& r, std::string_view cue) {
    return std::find(r.cues.begin(), r.cues.end(), cue) != r.cues.end();
}

bool in_ranges(const parley::sentiment_result& r) {
    return r.score >= -1.0 && r.score <= 1.0 && r.frustration >= 0.0 && r.frustration <= 1.0;
}

}  // namespace

TEST_CASE("empty and cue-free text is neutral") {
    for (std::string_view text : {"", " ", "where is my order", "can i change my address",
                                  "do you ship to canada?", "我的订单到哪了", "12345", "?"}) {
        CAPTURE(text);
        const auto r = analyze_sentiment(text);
        CHECK(r.score == doctest::Approx(0.0));
        CHECK(r.frustration < 0.2);
        CHECK(r.cues.empty());
    }
}

TEST_CASE("neutral support requests stay neutral") {
    // Asking for a refund, help or a return is a normal request, not anger.
    for (std::string_view text :
         {"i would like a refund for order 1234", "i have a problem with my payment",
          "please help me track my package", "我想退货", "麻烦帮我查一下物流",
          "请问什么时候发货"}) {
        CAPTURE(text);
        const auto r = analyze_sentiment(text);
        CHECK(r.score == doctest::Approx(0.0));
        CHECK(r.frustration < 0.2);
    }
}

TEST_CASE("english frustration from the brief") {
    const auto r = analyze_sentiment("this is ridiculous, i've been waiting 3 weeks!!!");
    CHECK(r.frustration >= 0.6);
    CHECK(r.score < -0.5);
    CHECK(has_cue(r, "ridiculous"));
    CHECK(has_cue(r, "been waiting"));
    CHECK(has_cue(r, "!!!"));
}

TEST_CASE("chinese frustration from the brief") {
    const auto r = analyze_sentiment("太垃圾了，气死我了");
    CHECK(r.frustration >= 0.6);
    CHECK(r.score < -0.5);
    CHECK(has_cue(r, "太垃圾"));  // the cue keeps its intensifier, for the agent
    CHECK(has_cue(r, "气死"));
}

TEST_CASE("thanks is positive and never frustrated") {
    const auto r = analyze_sentiment("thanks, that was helpful");
    CHECK(r.score > 0.3);
    CHECK(r.frustration == doctest::Approx(0.0));
    CHECK(has_cue(r, "thanks"));
    CHECK(has_cue(r, "helpful"));

    const auto zh = analyze_sentiment("谢谢，很满意，好评");
    CHECK(zh.score > 0.5);
    CHECK(zh.frustration == doctest::Approx(0.0));

    // Emphatic thanks is still not frustration.
    const auto loud = analyze_sentiment("thank you so much!!!", 0.9);
    CHECK(loud.score > 0.5);
    CHECK(loud.frustration == doctest::Approx(0.0));
}

TEST_CASE("english negation") {
    const auto not_bad = analyze_sentiment("not bad");
    CHECK(not_bad.score >= 0.0);
    CHECK(not_bad.frustration == doctest::Approx(0.0));
    CHECK(has_cue(not_bad, "not bad"));

    CHECK(analyze_sentiment("bad").score < 0.0);
    CHECK(analyze_sentiment("not helpful at all").score < 0.0);
    CHECK(analyze_sentiment("this is not very good").score < 0.0);
    CHECK(analyze_sentiment("i don't like it, it's not great").score < 0.0);
    CHECK(analyze_sentiment("dont love it").score < 0.0);   // contraction without apostrophe
    CHECK(analyze_sentiment("it isn’t good").score < 0.0);  // typographic apostrophe
    CHECK(analyze_sentiment("never happy with this shop").score < 0.0);
    CHECK(analyze_sentiment("no good").score < 0.0);
    CHECK(analyze_sentiment("nothing wrong with it").score > 0.0);

    // Within three words only, and never across punctuation.
    CHECK(analyze_sentiment("not that it was really very good").score > 0.0);
    CHECK(analyze_sentiment("no, it is great").score > 0.0);

    // "not very good" is milder than "bad".
    CHECK(analyze_sentiment("not very good").score > analyze_sentiment("bad").score);
}

TEST_CASE("politeness and set phrases are not negated") {
    CHECK(analyze_sentiment("no thank you").score >= 0.0);
    CHECK(analyze_sentiment("no problem").score > 0.0);
    CHECK(analyze_sentiment("no worries, all good").score > 0.0);
    CHECK(analyze_sentiment("never again").score < 0.0);
    // "never been so angry" amplifies instead of negating.
    CHECK(analyze_sentiment("i have never been so angry").frustration >
          analyze_sentiment("i am angry").frustration);
}

TEST_CASE("chinese negation") {
    const auto satisfied = analyze_sentiment("满意");
    const auto unsatisfied = analyze_sentiment("不满意");
    CHECK(satisfied.score > 0.3);
    CHECK(unsatisfied.score < -0.3);
    CHECK(unsatisfied.frustration > 0.0);

    CHECK(analyze_sentiment("不太满意").score < 0.0);
    CHECK(analyze_sentiment("不太满意").score > analyze_sentiment("非常不满意").score);
    CHECK(analyze_sentiment("不喜欢").score < 0.0);
    CHECK(analyze_sentiment("一点都不好用").score < 0.0);
    CHECK(analyze_sentiment("没有好用的").score < 0.0);
    CHECK(analyze_sentiment("不推荐").score < 0.0);
    CHECK(analyze_sentiment("不是很好").score < 0.0);
    CHECK(analyze_sentiment("质量不差").score >= 0.0);
    CHECK(analyze_sentiment("质量不差").frustration == doctest::Approx(0.0));
    // 不 that belongs to another word does not negate.
    CHECK(analyze_sentiment("不错").score > 0.3);
    CHECK(analyze_sentiment("东西不错，很喜欢").score > 0.5);
}

TEST_CASE("chinese context exclusions") {
    // Common words that contain a sentiment character but carry no sentiment.
    for (std::string_view text : {"差不多什么时候到", "我下周出差", "有没有垃圾袋", "麻烦你了",
                                  "不好意思，请问一下", "滚筒洗衣机有货吗", "请慢用"}) {
        CAPTURE(text);
        const auto r = analyze_sentiment(text);
        CHECK(r.score == doctest::Approx(0.0));
        CHECK(r.frustration < 0.2);
    }
}

TEST_CASE("intensifiers and diminishers") {
    CHECK(analyze_sentiment("very angry").frustration > analyze_sentiment("angry").frustration);
    CHECK(analyze_sentiment("extremely disappointed").score <
          analyze_sentiment("disappointed").score);
    CHECK(analyze_sentiment("a bit disappointed").score > analyze_sentiment("disappointed").score);
    CHECK(analyze_sentiment("a bit disappointed").score < 0.0);
    CHECK(analyze_sentiment("非常失望").frustration > analyze_sentiment("失望").frustration);
    CHECK(analyze_sentiment("特别差").score < analyze_sentiment("差").score);
    CHECK(analyze_sentiment("超级生气").frustration > analyze_sentiment("生气").frustration);
    CHECK(analyze_sentiment("有点失望").frustration < analyze_sentiment("失望").frustration);
    CHECK(has_cue(analyze_sentiment("really useless"), "really useless"));
}

TEST_CASE("repeated punctuation raises frustration") {
    const auto plain = analyze_sentiment("where is my order");
    const auto impatient = analyze_sentiment("where is my order???");
    CHECK(impatient.frustration > plain.frustration);
    CHECK(impatient.frustration < 0.2);  // punctuation alone is not enough for a handoff
    CHECK(has_cue(impatient, "???"));

    CHECK(analyze_sentiment("this is unacceptable!!!").frustration >
          analyze_sentiment("this is unacceptable").frustration);
    CHECK(analyze_sentiment("怎么还没发货！！").frustration >
          analyze_sentiment("怎么还没发货").frustration);
    CHECK(analyze_sentiment("怎么还没发货!?!?").frustration >
          analyze_sentiment("怎么还没发货").frustration);
    // A single mark is ordinary punctuation.
    CHECK(analyze_sentiment("where is my order?").frustration == doctest::Approx(0.0));
}

TEST_CASE("shouting raises frustration") {
    const auto calm = analyze_sentiment("where is my order", 0.0);
    const auto shout = analyze_sentiment("where is my order", 1.0);
    CHECK(shout.frustration > calm.frustration);
    CHECK(shout.frustration < 0.5);  // shouting alone is not a handoff
    CHECK(has_cue(shout, "shouting"));

    CHECK(analyze_sentiment("this is useless", 1.0).frustration >
          analyze_sentiment("this is useless", 0.0).frustration);
    CHECK(analyze_sentiment("WORST SERVICE EVER I WANT A REFUND NOW", 1.0).frustration >= 0.7);

    // A few capitals in a short message ("OK", "DHL") are not shouting.
    CHECK(analyze_sentiment("ok", 1.0).frustration == doctest::Approx(0.0));
    CHECK(analyze_sentiment("dhl?", 1.0).frustration == doctest::Approx(0.0));
    // Nonsense ratios are tolerated.
    CHECK(in_ranges(analyze_sentiment("this is useless", 7.0)));
    CHECK(in_ranges(analyze_sentiment("this is useless", -3.0)));
}

TEST_CASE("profanity and insults") {
    CHECK(analyze_sentiment("wtf is this").frustration >= 0.5);
    CHECK(analyze_sentiment("what the hell is going on").frustration >= 0.4);
    CHECK(analyze_sentiment("damn, still not here").frustration > 0.4);
    CHECK(analyze_sentiment("你们是骗子").frustration >= 0.5);
    CHECK(analyze_sentiment("什么破东西，我要投诉").frustration >= 0.6);
    // Profanity is not negated.
    CHECK(analyze_sentiment("no fucking way").score < 0.0);
}

TEST_CASE("impatience phrases") {
    CHECK(analyze_sentiment("i still haven't received my package").frustration >= 0.35);
    CHECK(analyze_sentiment("how many times do i have to ask").frustration >= 0.35);
    CHECK(analyze_sentiment("i want a refund now").frustration >= 0.4);
    CHECK(analyze_sentiment("fed up with this").frustration >= 0.5);
    CHECK(analyze_sentiment("what a waste of time").frustration >= 0.45);
    CHECK(analyze_sentiment("等了很久了，怎么还没到").frustration >= 0.6);
    CHECK(analyze_sentiment("客服一直不回复，太无语了").frustration >= 0.6);
}

TEST_CASE("whole words only in english") {
    // "mad" inside "made", "hell" inside "hello", "sue" inside "issue".
    for (std::string_view text :
         {"it was made in china", "hello there", "there is an issue with the size", "scampi",
          "grateful? no: ungrateful is not a word here", "badge"}) {
        CAPTURE(text);
        const auto r = analyze_sentiment(text);
        CHECK_FALSE(has_cue(r, "mad"));
        CHECK_FALSE(has_cue(r, "hell"));
        CHECK_FALSE(has_cue(r, "sue"));
        CHECK_FALSE(has_cue(r, "scam"));
        CHECK_FALSE(has_cue(r, "bad"));
    }
    CHECK(analyze_sentiment("scam").score < 0.0);
    CHECK(analyze_sentiment("it's a scam.").frustration >= 0.5);
    CHECK(analyze_sentiment("'terrible'").score < 0.0);
    CHECK(analyze_sentiment("rip-off").score < 0.0);
}

TEST_CASE("contrast: the clause after but weighs more") {
    CHECK(analyze_sentiment("the product is great but the delivery was terrible").score < 0.0);
    CHECK(analyze_sentiment("delivery was slow but the product is great").score > 0.0);
    CHECK(analyze_sentiment("东西还不错，但是物流太慢了").score < 0.0);
    CHECK(analyze_sentiment("物流有点慢，不过东西很好").score > 0.0);
    // 不但 ("not only") is not a contrast.
    CHECK(analyze_sentiment("不但质量很好，而且很便宜").score > 0.3);
}

TEST_CASE("mixed language and emoji") {
    CHECK(analyze_sentiment("order 还没收到 wtf").frustration >= 0.6);
    CHECK(analyze_sentiment("\U0001F621\U0001F621").frustration >= 0.6);
    CHECK(analyze_sentiment("got it \U0001F44D").score > 0.3);
    CHECK(analyze_sentiment("thanks :)").score > 0.5);
    CHECK(analyze_sentiment("still not here :(").score < 0.0);
}

TEST_CASE("results stay in range and cues are bounded") {
    std::string angry;
    for (int i = 0; i < 2000; ++i) angry += "worst scam ever, wtf!!! 垃圾骗子 ";
    const auto a = analyze_sentiment(angry, 1.0);
    CHECK(in_ranges(a));
    CHECK(a.score < -0.9);
    CHECK(a.frustration > 0.99);
    CHECK(a.cues.size() <= 32);

    std::string happy;
    for (int i = 0; i < 2000; ++i) happy += "great, thanks, 谢谢，非常满意! ";
    const auto h = analyze_sentiment(happy);
    CHECK(in_ranges(h));
    CHECK(h.score > 0.9);
    CHECK(h.frustration == doctest::Approx(0.0));

    std::string neutral;
    for (int i = 0; i < 5000; ++i) neutral += "where is my order number " + std::to_string(i) + " ";
    const auto n = analyze_sentiment(neutral);
    CHECK(n.score == doctest::Approx(0.0));
    CHECK(n.frustration < 0.2);
}

TEST_CASE("invalid utf-8 and odd bytes do not break analysis") {
    const std::string bad = std::string("terrible \xff\xfe service \xe5\x9e") + "垃圾";
    const auto r = analyze_sentiment(bad);
    CHECK(in_ranges(r));
    CHECK(r.score < 0.0);
    CHECK(in_ranges(analyze_sentiment(std::string_view("\0\0\0", 3))));
    CHECK(in_ranges(analyze_sentiment("'''' ''' n't not no never")));
}

TEST_CASE("set phrases hide their words") {
    CHECK(analyze_sentiment("my bad, i meant order 12").score == doctest::Approx(0.0));
    CHECK(analyze_sentiment("my bad, i meant order 12").cues.empty());
    CHECK(analyze_sentiment("这是妈妈的订单").frustration == doctest::Approx(0.0));
    CHECK(analyze_sentiment("还没用，先给个好评").score > 0.0);
    CHECK(analyze_sentiment("一般多久能到").score == doctest::Approx(0.0));
    CHECK(analyze_sentiment("质量一般").score < 0.0);
}

TEST_CASE("cues name what was matched") {
    const auto r = analyze_sentiment("not helpful and very slow, 不太满意");
    CHECK(has_cue(r, "not helpful"));
    CHECK(has_cue(r, "very slow"));
    CHECK(has_cue(r, "不太满意"));
    CHECK(r.cues.size() == 3);
}
