#include "parley/encoder.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "test_support.hpp"

using namespace parley;

namespace {

std::string fixture_path(const char* name) {
    return std::string(PARLEY_SOURCE_DIR) + "/tests/core/fixtures/" + name;
}

std::vector<std::uint8_t> fixture_bytes() {
    const std::string text = test::read_text_file(fixture_path("tiny_student.onnx"));
    return std::vector<std::uint8_t>(text.begin(), text.end());
}

const encoder& tiny() {
    static const encoder e = [] {
        const auto bytes = fixture_bytes();
        return encoder::load(bytes);
    }();
    return e;
}

// Rewrites one metadata value in place. The entry is found by its protobuf
// bytes (key field, then value field), so weights that happen to contain the
// same characters are never touched; old and new must have the same length
// so that no enclosing length changes.
std::vector<std::uint8_t> with_metadata(std::string_view key, std::string_view old_value,
                                        std::string_view new_value) {
    REQUIRE(old_value.size() == new_value.size());
    std::string pattern;
    pattern += '\x0a';
    pattern += static_cast<char>(key.size());
    pattern += key;
    pattern += '\x12';
    pattern += static_cast<char>(old_value.size());
    pattern += old_value;
    auto bytes = fixture_bytes();
    const auto at = std::search(bytes.begin(), bytes.end(), pattern.begin(), pattern.end());
    REQUIRE(at != bytes.end());
    std::copy(new_value.begin(), new_value.end(), at + (pattern.size() - new_value.size()));
    return bytes;
}

std::string load_error(const std::vector<std::uint8_t>& bytes) {
    try {
        encoder::load(bytes);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(loaded)";
}

std::vector<std::int32_t> ids_of(const nlohmann::json& j) {
    return j.get<std::vector<std::int32_t>>();
}

}  // namespace

TEST_CASE("encoder: the fixture's shape") {
    const encoder& e = tiny();
    CHECK(e.hidden() == 16);
    CHECK(e.output_dim() == 8);
    CHECK(e.max_positions() == 16);
    CHECK(e.vocab_size() == 50);
    CHECK(e.layers() == 2);
    CHECK(e.heads() == 2);
    CHECK(e.ffn() == 32);
    CHECK(e.memory_bytes() > 800);
}

TEST_CASE("encoder: matches ONNX Runtime on the fixture's cases") {
    const auto expected =
        nlohmann::json::parse(test::read_text_file(fixture_path("tiny_student_expected.json")));
    const double tolerance = expected.at("tolerance").get<double>();
    REQUIRE(expected.at("cases").size() == 3);
    for (const auto& c : expected.at("cases")) {
        const auto ids = ids_of(c.at("ids"));
        CAPTURE(c.at("ids").dump());
        const embedding_result r = tiny().embed(ids);
        const auto want = c.at("embedding").get<std::vector<double>>();
        REQUIRE(r.embedding.size() == want.size());
        double gap = 0, norm = 0;
        for (std::size_t i = 0; i < want.size(); ++i) {
            gap = std::max(gap, std::fabs(r.embedding[i] - want[i]));
            norm += static_cast<double>(r.embedding[i]) * r.embedding[i];
        }
        CHECK(gap <= tolerance);
        CHECK(std::sqrt(norm) == doctest::Approx(1.0).epsilon(1e-5));
        CHECK(std::fabs(r.frustration - c.at("frustration").get<double>()) <= tolerance);
    }
}

TEST_CASE("encoder: the weights are copied, the file bytes may go") {
    auto bytes = fixture_bytes();
    const encoder e = encoder::load(bytes);
    std::fill(bytes.begin(), bytes.end(), 0);
    const std::vector<std::int32_t> ids{0, 7, 7, 9, 31, 49, 2};
    const auto a = e.embed(ids), b = tiny().embed(ids);
    CHECK(a.embedding == b.embedding);
    CHECK(a.frustration == b.frustration);
}

TEST_CASE("encoder: bad ids are refused") {
    const encoder& e = tiny();
    CHECK_THROWS_AS(e.embed(std::vector<std::int32_t>{0, 50, 2}), std::invalid_argument);
    CHECK_THROWS_AS(e.embed(std::vector<std::int32_t>{0, -1, 2}), std::invalid_argument);
    CHECK_THROWS_AS(e.embed(std::vector<std::int32_t>{}), std::invalid_argument);
    CHECK_NOTHROW(e.embed(std::vector<std::int32_t>{49}));
}

TEST_CASE("encoder: a long input keeps its first ids and its last one") {
    const encoder& e = tiny();
    std::vector<std::int32_t> long_ids{0};
    for (int i = 0; i < 40; ++i) long_ids.push_back(3 + i % 40);
    long_ids.push_back(2);
    REQUIRE(long_ids.size() > e.max_positions());
    std::vector<std::int32_t> cut(long_ids.begin(), long_ids.begin() + 15);
    cut.push_back(2);
    REQUIRE(cut.size() == e.max_positions());
    const auto a = e.embed(long_ids), b = e.embed(cut);
    CHECK(a.embedding == b.embedding);
    CHECK(a.frustration == b.frustration);
    // The kept last id matters: the cut is not just the first 16.
    const std::vector<std::int32_t> first16(long_ids.begin(), long_ids.begin() + 16);
    CHECK(e.embed(first16).embedding != a.embedding);
}

TEST_CASE("encoder: files that break the contract are refused, naming the problem") {
    CHECK(load_error(with_metadata("parley.format", "student-encoder-1", "student-encoder-9"))
              .find("unsupported parley.format 'student-encoder-9'") != std::string::npos);
    CHECK(load_error(with_metadata("parley.format", "student-encoder-1", "xtudent-encoder-1"))
              .find("unsupported parley.format") != std::string::npos);
    auto renamed = fixture_bytes();  // the key renamed: no format at all
    const std::string_view key = "\x0a\x0dparley.format";
    const auto at = std::search(renamed.begin(), renamed.end(), key.begin(), key.end());
    REQUIRE(at != renamed.end());
    at[key.size() - 1] = 'T';
    CHECK(load_error(renamed).find("no 'parley.format' metadata") != std::string::npos);
    // The metadata disagrees with the initializers' shapes.
    CHECK(load_error(with_metadata("ffn", "32", "33")).find("'l0.ffn_in.q' has shape [16, 32]") !=
          std::string::npos);
    CHECK(load_error(with_metadata("vocab_size", "50", "51")).find("tok_emb.q") !=
          std::string::npos);
    CHECK(load_error(with_metadata("heads", "2", "3")).find("not divisible") != std::string::npos);
    CHECK(load_error(with_metadata("heads", "2", "x")).find("metadata 'heads' is 'x'") !=
          std::string::npos);
    CHECK(load_error(with_metadata("hidden", "16", "00")).find("metadata 'hidden'") !=
          std::string::npos);
    CHECK(load_error(with_metadata("layers", "2", "1")).find("the file has l1.*") !=
          std::string::npos);
    CHECK(load_error(with_metadata("layers", "2", "3")).find("'l2.qkv.q' is missing") !=
          std::string::npos);
    CHECK(load_error(with_metadata("layer_norm_eps", "1e-12", "1e-1x")).find("layer_norm_eps") !=
          std::string::npos);
    CHECK(load_error(with_metadata("layer_norm_eps", "1e-12", "0e-12")).find("positive") !=
          std::string::npos);
    CHECK(load_error(with_metadata("layer_norm_eps", "1e-12", "0.001")) == "(loaded)");
    CHECK(load_error({0x08, 0x08}).find("no 'parley.format'") != std::string::npos);
    CHECK(load_error({}).find("empty file") != std::string::npos);
}

TEST_CASE("encoder: truncated and corrupted files never crash") {
    const auto original = fixture_bytes();
    for (std::size_t n = 0; n < 200; ++n)
        CHECK_THROWS_AS(encoder::load(std::span(original).first(n)), std::invalid_argument);
    std::uint64_t state = 777;  // splitmix64, the same on every platform
    auto next = [&] {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    };
    const std::vector<std::int32_t> ids{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 2};
    int loaded = 0, rejected = 0;
    for (int trial = 0; trial < 2000; ++trial) {
        auto bytes = original;
        const int flips = 1 + static_cast<int>(next() % 3);
        for (int k = 0; k < flips; ++k)
            bytes[next() % bytes.size()] ^= static_cast<std::uint8_t>(1 + next() % 255);
        try {
            const encoder e = encoder::load(bytes);
            ++loaded;
            // Flipped weights may give any numbers (even NaN), but the shape holds.
            CHECK(e.embed(ids).embedding.size() == e.output_dim());
        } catch (const std::invalid_argument&) {
            ++rejected;
        }
    }
    CHECK(loaded > 0);
    CHECK(rejected > 0);
}
