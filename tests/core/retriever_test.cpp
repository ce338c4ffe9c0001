#include "parley/retriever.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <map>

#include "parley/dialog.hpp"
#include "test_support.hpp"

using namespace parley;

namespace {
const config& demo() {
    static const config c = parse_config(test::demo_config_text());
    return c;
}
std::string top_id(const retriever& r, const std::string& text) {
    const dialog_engine e(demo());
    const auto res = r.query(e.analysis_text(text));
    return res.ranked.empty() ? "" : r.items()[res.ranked[0].item].id;
}
}  // namespace

TEST_CASE("retrieval finds FAQs and flows in English and Chinese") {
    const auto r = retriever::build(demo());
    CHECK(r.items().size() == demo().faqs.size() + demo().flows.size());
    CHECK(top_id(r, "How long does shipping take?") == demo().faqs[0].id);
    CHECK(top_id(r, "where is my order") == "order_status");
    CHECK(top_id(r, "我的订单到哪了") == "order_status");
    CHECK(top_id(r, "转人工") == "talk_to_human");
}

TEST_CASE("confidence is high for a paraphrase and low for nonsense") {
    const auto r = retriever::build(demo());
    const dialog_engine e(demo());
    const auto good = r.query(e.analysis_text("can I pay with Alipay?"));
    const auto bad = r.query(e.analysis_text("what is the capital of peru"));
    CHECK(good.confidence > 0.5f);
    CHECK(bad.confidence < good.confidence);
    CHECK(bad.confidence < 0.15f);
    CHECK(r.query("").ranked.empty());
}

TEST_CASE("embeddings from outside are fused with BM25") {
    config c = parse_config(R"({"shop":{"name":"S","locale":"en"},"faqs":[
        {"id":"a","questions":["alpha question"],"answer":"A"},
        {"id":"b","questions":["beta question"],"answer":"B"}],"retrieval":{"answer_weight":0}})");
    retriever_options o;
    o.answer_weight = 0;
    auto r = retriever::build(c, o);
    REQUIRE(r.documents().size() == 2);
    // Doc 0 ~ x axis, doc 1 ~ y axis; the query shares no word but points at doc 1.
    r.set_document_embeddings(std::vector<float>{1, 0, 0, 1}, 2, vector_storage::float32);
    const std::vector<float> q{0.1f, 1.0f};
    const auto res = r.query("gamma", q);
    CHECK(res.used_vectors);
    REQUIRE_FALSE(res.ranked.empty());
    CHECK(r.items()[res.ranked[0].item].id == "b");
    CHECK_THROWS(r.set_document_embeddings(std::vector<float>{1, 0, 0}, 2));
}

TEST_CASE("an item's prototype (its questions' mean vector) counts with centroid_weight") {
    // "a": three phrasings at 55°, 60° and 65°; "b": two far-apart ones at 0° and 80°.
    // A query at 78° is nearest to one of b's questions, but nearer to a's prototype.
    config c = parse_config(R"({"shop":{"name":"S","locale":"en"},"faqs":[
        {"id":"a","questions":["a one","a two","a three"],"answer":"A"},
        {"id":"b","questions":["b one","b two"],"answer":"B"}]})");
    const auto at = [](float degrees) {
        const float r = degrees * 3.14159265f / 180.0f;
        return std::vector<float>{std::cos(r), std::sin(r)};
    };
    const auto top = [&](float centroid_weight) {
        retriever_options o;
        o.answer_weight = 0;
        o.centroid_weight = centroid_weight;
        auto r = retriever::build(c, o);
        std::vector<float> flat;
        const std::map<std::string, float> degrees{{"a one", 55}, {"a two", 60}, {"a three", 65},
                                                   {"b one", 0},  {"b two", 80}, {"a", 60},
                                                   {"b", 40}};
        for (const auto& d : r.documents()) {
            const auto v = at(degrees.at(d.text));
            flat.insert(flat.end(), v.begin(), v.end());
        }
        r.set_document_embeddings(flat, 2, vector_storage::float32);
        const auto res = r.query("gamma", at(78));
        REQUIRE(res.used_vectors);
        REQUIRE_FALSE(res.ranked.empty());
        return r.items()[res.ranked[0].item].id;
    };
    CHECK(top(0.0f) == "b");  // the single nearest question
    CHECK(top(0.7f) == "a");  // the prototype
    CHECK(retriever_options{}.centroid_weight == doctest::Approx(0.7f));
}
