#include "parley/sentence_encoder.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "parley/decision.hpp"
#include "parley/dialog.hpp"
#include "test_support.hpp"

using namespace parley;

namespace {

std::vector<std::uint8_t> tiny_bytes() {
    const std::string text = test::read_text_file(std::string(PARLEY_SOURCE_DIR) +
                                                  "/tests/core/fixtures/tiny_student.onnx");
    return std::vector<std::uint8_t>(text.begin(), text.end());
}

// A vocabulary of `size` pieces for the tiny fixture (vocab_size 50): the
// specials at the ids its cases use (<s> 0, </s> 2), then "▁a".."▁z" and bare
// letters, so every lower-case word segments into known pieces.
std::string tiny_vocab(std::size_t size = 50) {
    std::vector<std::string> lines = {"<s>\t0", "<pad>\t0", "</s>\t0", "<unk>\t0"};
    for (char c = 'a'; c <= 'z'; ++c) lines.push_back("\xE2\x96\x81" + std::string(1, c) + "\t-1");
    for (char c = 'a'; lines.size() < size; ++c) lines.push_back(std::string(1, c) + "\t-2");
    std::string out;
    for (std::size_t i = 0; i < size && i < lines.size(); ++i) out += lines[i] + "\n";
    return out;
}

void append_varint(std::vector<std::uint8_t>& out, std::size_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<std::uint8_t>(v | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<std::uint8_t>(v));
}

// The fixture with one more metadata_props entry (ModelProto field 14),
// appended as protobuf allows: what models/set_calibration.py writes.
std::vector<std::uint8_t> with_metadata(const std::string& key, const std::string& value) {
    std::vector<std::uint8_t> entry;
    entry.push_back(0x0a);  // key, field 1
    append_varint(entry, key.size());
    entry.insert(entry.end(), key.begin(), key.end());
    entry.push_back(0x12);  // value, field 2
    append_varint(entry, value.size());
    entry.insert(entry.end(), value.begin(), value.end());
    auto bytes = tiny_bytes();
    bytes.push_back(0x72);  // field 14, length-delimited
    append_varint(bytes, entry.size());
    bytes.insert(bytes.end(), entry.begin(), entry.end());
    return bytes;
}

std::string load_error(const std::vector<std::uint8_t>& bytes, const std::string& vocab) {
    try {
        sentence_encoder::load(bytes, vocab);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(loaded)";
}

}  // namespace

TEST_CASE("sentence_encoder: tokenizer and model together") {
    const auto se = sentence_encoder::load(tiny_bytes(), tiny_vocab());
    CHECK(se.dimension() == 8);
    const auto ids = se.token_ids("abc de");
    CHECK(ids.front() == 0);
    CHECK(ids.back() == 2);
    CHECK(ids.size() > 3);
    const auto r = se.embed("abc de");
    CHECK(r.embedding == se.model().embed(ids).embedding);
    double norm = 0;
    for (float v : r.embedding) norm += static_cast<double>(v) * v;
    CHECK(std::sqrt(norm) == doctest::Approx(1.0).epsilon(1e-5));
    CHECK(r.frustration >= 0.0f);
    CHECK(r.frustration <= 1.0f);
    // Longer than max_positions (16): cut, still ends with </s>.
    const auto long_ids = se.token_ids("a b c d e f g h i j k l m n o p q r s t");
    CHECK(long_ids.size() == 16);
    CHECK(long_ids.back() == 2);
    CHECK(se.embed("").embedding.size() == 8);  // <s></s> alone is a valid input
}

TEST_CASE("sentence_encoder: the vocabulary must be the model's") {
    CHECK(load_error(tiny_bytes(), tiny_vocab(49)).find("different training runs") !=
          std::string::npos);
    CHECK(load_error(tiny_bytes(), "no tab here\n").find("line 1") != std::string::npos);
    CHECK(load_error({1, 2, 3}, tiny_vocab()) != "(loaded)");
}

TEST_CASE("sentence_encoder: the model file's calibration") {
    const auto plain = sentence_encoder::load(tiny_bytes(), tiny_vocab());
    CHECK_FALSE(plain.calibrated());
    CHECK(plain.vector_calibration().bias == default_vector_calibration().bias);
    CHECK_FALSE(model_calibration(tiny_bytes()).has_value());

    const std::string json =
        R"({"bias":-3.5,"lexical":1.25,"margin":2,"coverage":0.5,"cosine":6.75,"length":0.125,)"
        R"("margin_scale":2.5})";
    const auto fitted = sentence_encoder::load(
        with_metadata(std::string(calibration_metadata_key), json), tiny_vocab());
    CHECK(fitted.calibrated());
    const auto& c = fitted.vector_calibration();
    CHECK(c.bias == -3.5f);
    CHECK(c.w_lexical == 1.25f);
    CHECK(c.w_margin == 2.0f);
    CHECK(c.w_coverage == 0.5f);
    CHECK(c.w_cosine == 6.75f);
    CHECK(c.w_length == 0.125f);
    CHECK(c.margin_scale == 2.5f);
    CHECK(parse_calibration(calibration_json(c)).w_cosine == 6.75f);
    CHECK(parse_calibration(calibration_json(c)).margin_scale == 2.5f);
    // margin_scale is optional (older files): 1, the BM25 scale.
    CHECK(
        parse_calibration(R"({"bias":0,"lexical":0,"margin":0,"coverage":0,"cosine":0,"length":0})")
            .margin_scale == 1.0f);
    CHECK_THROWS_AS(
        parse_calibration(
            R"({"bias":0,"lexical":0,"margin":0,"coverage":0,"cosine":0,"length":0,"margin_scale":0})"),
        std::invalid_argument);

    // A model that says how it is calibrated must say it correctly.
    const auto bad = with_metadata(std::string(calibration_metadata_key), R"({"bias":1})");
    const std::string error = load_error(bad, tiny_vocab());
    CHECK(error.find("parley.calibration") != std::string::npos);
    CHECK(error.find("lexical") != std::string::npos);
    CHECK_THROWS_AS(parse_calibration("[1,2]"), std::invalid_argument);
    CHECK_THROWS_AS(
        parse_calibration(
            R"({"bias":1e9,"lexical":0,"margin":0,"coverage":0,"cosine":0,"length":0})"),
        std::invalid_argument);
}

TEST_CASE("sentence_encoder: documents are attached with the model's calibration") {
    // bias 30 and nothing else: every query with an embedding is certain, so
    // the confidence shows which calibration answered.
    const auto se = sentence_encoder::load(
        with_metadata(std::string(calibration_metadata_key),
                      R"({"bias":30,"lexical":0,"margin":0,"coverage":0,"cosine":0,"length":0})"),
        tiny_vocab());
    dialog_engine engine(parse_config(test::demo_config_text()));
    const std::string text = engine.analysis_text("zzqx wobble flarn");
    const auto lexical_only = engine.index().query(text);
    se.attach_documents(engine);
    REQUIRE(engine.index().has_embeddings());
    CHECK(engine.index().embedding_dimension() == 8);
    const auto q = se.embed(text);
    const auto with_vectors = engine.index().query(text, q.embedding);
    CHECK(with_vectors.used_vectors);
    CHECK(with_vectors.confidence > 0.999f);
    CHECK(engine.index().query(text).confidence == lexical_only.confidence);

    session s;
    const reply r = engine.respond(s, "zzqx wobble flarn", q.embedding, -1.0f);
    CHECK(r.confidence > 0.999f);
}

TEST_CASE("retriever: vector mode scales margins by the calibration, for decide() too") {
    auto se = sentence_encoder::load(tiny_bytes(), tiny_vocab());
    dialog_engine engine(parse_config(test::demo_config_text()));
    se.attach_documents(engine);
    // Words that match no document: the margin is the fused one alone (see the
    // next test for queries whose words pick the same item).
    const std::string text = engine.analysis_text("zzqx wobble flarn");
    REQUIRE(engine.index().query(text).ranked.empty());
    const auto q = se.embed(text);
    calibration c = default_vector_calibration();
    c.margin_scale = 1.0f;
    engine.index().set_vector_calibration(c);
    const auto raw = engine.index().query(text, q.embedding);
    c.margin_scale = 3.0f;
    engine.index().set_vector_calibration(c);
    const auto scaled = engine.index().query(text, q.embedding);
    REQUIRE(raw.margin > 0.0f);
    CHECK(scaled.margin_scale == 3.0f);
    CHECK(scaled.margin == doctest::Approx(std::min(raw.margin * 3.0f, 1.0f)));
    CHECK(engine.index().query(text).margin_scale == 1.0f);  // BM25 alone: unscaled
    // decide() offers the candidates within clarify_margin in scaled units.
    handoff_settings h;
    h.confidence_threshold = 0.0;
    h.clarify_margin = 0.5;
    const auto d_raw = decide(raw, h), d_scaled = decide(scaled, h);
    CHECK(d_scaled.options.size() <= d_raw.options.size());
}

TEST_CASE("retriever: in vector mode BM25's own evidence stands where it picks the same item") {
    auto se = sentence_encoder::load(tiny_bytes(), tiny_vocab());
    dialog_engine engine(parse_config(test::demo_config_text()));
    se.attach_documents(engine);
    // A calibration that never trusts the vectors: only BM25's evidence can
    // make this confident.
    calibration c = default_vector_calibration();
    c.bias = -30.0f;
    c.w_cosine = c.w_lexical = c.w_margin = c.w_coverage = c.w_length = 0.0f;
    engine.index().set_vector_calibration(c);
    const std::string text = engine.analysis_text("how long does shipping take to germany");
    const auto lexical = engine.index().query(text);
    const auto fused = engine.index().query(text, se.embed(text).embedding);
    REQUIRE(fused.used_vectors);
    REQUIRE_FALSE(lexical.ranked.empty());
    if (fused.ranked.front().item == lexical.ranked.front().item) {
        CHECK(fused.confidence == doctest::Approx(lexical.confidence));
        CHECK(fused.margin >= lexical.margin);
    } else {
        CHECK(fused.confidence < 1e-6f);
    }
    // Where BM25 is sure on its own (P ≥ 0.5), its ranking is the answer.
    const std::string plain = engine.analysis_text("how long does shipping take");
    const auto sure = engine.index().query(plain);
    REQUIRE(sure.confidence >= 0.5f);
    const auto with_vectors = engine.index().query(plain, se.embed(plain).embedding);
    CHECK(with_vectors.used_vectors);
    CHECK(with_vectors.confidence == doctest::Approx(sure.confidence));
    REQUIRE(with_vectors.ranked.size() == sure.ranked.size());
    for (std::size_t i = 0; i < sure.ranked.size(); ++i)
        CHECK(with_vectors.ranked[i].item == sure.ranked[i].item);
    // Words that pick nothing leave the vectors' own (here: no) confidence.
    const std::string nonsense = engine.analysis_text("zzqx wobble flarn");
    CHECK(engine.index().query(nonsense, se.embed(nonsense).embedding).confidence < 1e-6f);
}

TEST_CASE("retriever: the embedding plan skips answers but covers every document") {
    const dialog_engine engine(parse_config(test::demo_config_text()));
    const auto& docs = engine.index().documents();
    const auto plan = engine.index().embedding_plan();
    REQUIRE(plan.source.size() == docs.size());
    std::size_t answers = 0;
    for (auto d : plan.embed) answers += docs[d].is_answer;
    CHECK(answers == 0);  // every demo FAQ has questions
    CHECK(plan.embed.size() < docs.size());
    for (std::size_t d = 0; d < docs.size(); ++d) {
        REQUIRE(plan.source[d] < plan.embed.size());
        // A document takes its own vector, or a question of its own item.
        CHECK(docs[plan.embed[plan.source[d]]].item == docs[d].item);
        if (!docs[d].is_answer) CHECK(plan.embed[plan.source[d]] == d);
    }
    std::vector<float> rows(plan.embed.size() * 2);
    for (std::size_t i = 0; i < plan.embed.size(); ++i) rows[2 * i] = static_cast<float>(i);
    const auto flat = plan.expand(rows, 2);
    REQUIRE(flat.size() == docs.size() * 2);
    for (std::size_t d = 0; d < docs.size(); ++d)
        CHECK(flat[2 * d] == static_cast<float>(plan.source[d]));
    CHECK_THROWS_AS(plan.expand(rows, 3), std::invalid_argument);
}
