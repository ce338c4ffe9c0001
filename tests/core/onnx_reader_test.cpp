#include "parley/onnx_reader.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "test_support.hpp"

using namespace parley;

namespace {

std::vector<std::uint8_t> fixture_bytes() {
    const std::string text = test::read_text_file(std::string(PARLEY_SOURCE_DIR) +
                                                  "/tests/core/fixtures/tiny_student.onnx");
    return std::vector<std::uint8_t>(text.begin(), text.end());
}

// Writes protobuf wire format by hand, to build files no exporter would.
struct pb {
    std::vector<std::uint8_t> bytes;

    pb& varint(std::uint64_t v) {
        while (v >= 0x80) bytes.push_back(static_cast<std::uint8_t>(v | 0x80)), v >>= 7;
        bytes.push_back(static_cast<std::uint8_t>(v));
        return *this;
    }
    pb& tag(std::uint32_t field, int type) {
        return varint(static_cast<std::uint64_t>(field) << 3 | static_cast<std::uint64_t>(type));
    }
    pb& int_field(std::uint32_t field, std::int64_t v) {
        return tag(field, 0).varint(static_cast<std::uint64_t>(v));
    }
    pb& bytes_field(std::uint32_t field, const std::vector<std::uint8_t>& data) {
        tag(field, 2).varint(data.size());
        bytes.insert(bytes.end(), data.begin(), data.end());
        return *this;
    }
    pb& string_field(std::uint32_t field, std::string_view s) {
        return bytes_field(field, std::vector<std::uint8_t>(s.begin(), s.end()));
    }
    pb& message_field(std::uint32_t field, const pb& m) { return bytes_field(field, m.bytes); }
    pb& fixed32_field(std::uint32_t field, std::uint32_t v) {
        tag(field, 5);
        for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
        return *this;
    }
    pb& fixed64_field(std::uint32_t field, std::uint64_t v) {
        tag(field, 1);
        for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
        return *this;
    }
};

std::vector<std::uint8_t> float_bytes(std::initializer_list<float> values) {
    std::vector<std::uint8_t> out;
    for (float v : values) {
        std::uint32_t bits;
        std::memcpy(&bits, &v, 4);
        for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
    }
    return out;
}
std::uint32_t float_bits(float v) {
    std::uint32_t bits;
    std::memcpy(&bits, &v, 4);
    return bits;
}
float float_at(std::span<const std::uint8_t> data, std::size_t i) {
    std::uint32_t bits = 0;
    for (int b = 0; b < 4; ++b) bits |= static_cast<std::uint32_t>(data[4 * i + b]) << (8 * b);
    float v;
    std::memcpy(&v, &bits, 4);
    return v;
}

// A model wrapping one graph that holds the given initializers.
std::vector<std::uint8_t> model_with(std::initializer_list<pb> tensors) {
    pb graph;
    for (const pb& t : tensors) graph.message_field(5, t);
    return pb().int_field(1, 8).message_field(7, graph).bytes;
}

pb float_tensor(std::string_view name, std::vector<std::int64_t> dims,
                std::vector<std::uint8_t> raw) {
    pb t;
    for (auto d : dims) t.int_field(1, d);
    return t.int_field(2, 1).string_field(8, name).bytes_field(9, raw);
}

void check_rejected(const std::vector<std::uint8_t>& bytes, std::string_view needle) {
    try {
        read_onnx_model(bytes);
        FAIL("accepted: expected an error containing '" << needle << "'");
    } catch (const std::invalid_argument& e) {
        const std::string what = e.what();
        CHECK_MESSAGE(what.find(needle) != std::string::npos, what);
    }
}

enum class outcome { parsed, rejected, other_exception };
outcome try_read(std::span<const std::uint8_t> bytes, onnx_model* out = nullptr) {
    try {
        auto model = read_onnx_model(bytes);
        if (out) *out = std::move(model);
        return outcome::parsed;
    } catch (const std::invalid_argument&) {
        return outcome::rejected;
    } catch (...) {
        return outcome::other_exception;
    }
}

}  // namespace

TEST_CASE("onnx reader: the fixture's metadata and initializers") {
    const auto bytes = fixture_bytes();
    const onnx_model model = read_onnx_model(bytes);
    REQUIRE(model.metadata_value("parley.format"));
    CHECK(*model.metadata_value("parley.format") == "student-encoder-1");
    CHECK(*model.metadata_value("hidden") == "16");
    CHECK(*model.metadata_value("layers") == "2");
    CHECK(*model.metadata_value("vocab_size") == "50");
    CHECK(*model.metadata_value("layer_norm_eps") == "1e-12");
    CHECK(model.metadata_value("no such key") == nullptr);

    const onnx_tensor* tok = model.initializer("tok_emb.q");
    REQUIRE(tok);
    CHECK(tok->data_type == static_cast<std::int32_t>(onnx_type::int8));
    CHECK(tok->dims == std::vector<std::int64_t>{50, 16});
    CHECK(tok->element_count == 800);
    CHECK(tok->data().size() == 800);
    // A view into the caller's bytes, not a copy.
    CHECK(tok->data().data() >= bytes.data());
    CHECK(tok->data().data() + 800 <= bytes.data() + bytes.size());

    const onnx_tensor* scale = model.initializer("l1.ffn_out.scale");
    REQUIRE(scale);
    CHECK(scale->data_type == static_cast<std::int32_t>(onnx_type::float32));
    CHECK(scale->dims == std::vector<std::int64_t>{16});
    CHECK(scale->data().size() == 64);
    CHECK(float_at(scale->data(), 0) > 0.0f);

    const onnx_tensor* axes = model.initializer("axes_12");  // an int64 constant of the graph
    REQUIRE(axes);
    CHECK(axes->data_type == static_cast<std::int32_t>(onnx_type::int64));
    REQUIRE(axes->data().size() == 16);
    CHECK(axes->data()[0] == 1);
    CHECK(axes->data()[8] == 2);
    CHECK(model.initializer("nope") == nullptr);
}

TEST_CASE("onnx reader: every storage form and unknown fields of every wire type") {
    pb int8_tensor;  // unpacked dims, int32_data (packed) with negative values
    int8_tensor.int_field(1, 2).int_field(1, 3).int_field(2, 3).string_field(8, "w8");
    pb packed;
    for (std::int64_t v : {-128, -1, 0, 1, 127, 5}) packed.varint(static_cast<std::uint64_t>(v));
    int8_tensor.bytes_field(5, packed.bytes);
    int8_tensor.fixed64_field(99, 42).fixed32_field(98, 7).string_field(12, "doc");
    int8_tensor.message_field(3, pb().int_field(1, 0).int_field(2, 6));  // segment

    pb packed_dims;
    packed_dims.varint(2);
    pb packed_floats;  // packed dims, packed float_data: one run, kept as a view
    packed_floats.bytes_field(1, packed_dims.bytes).int_field(2, 1).string_field(8, "f");
    packed_floats.bytes_field(4, float_bytes({1.5f, -2.0f}));

    pb loose_floats;  // unpacked float_data (fixed32 each): copied
    loose_floats.int_field(1, 3).int_field(2, 1).string_field(8, "f2");
    for (float v : {0.25f, 3.0f, -7.5f}) loose_floats.fixed32_field(4, float_bits(v));

    pb int64_tensor;  // int64_data, one value at a time
    int64_tensor.int_field(1, 2).int_field(2, 7).string_field(8, "i64");
    int64_tensor.int_field(7, -1).int_field(7, 300);

    pb scalar;  // no dims: one element
    scalar.int_field(2, 1).string_field(8, "scalar").bytes_field(9, float_bytes({9.0f}));

    pb other_type;  // a type the reader does not decode: kept as raw bytes, unchecked
    other_type.int_field(1, 2).int_field(2, 11).string_field(8, "double").bytes_field(9, {1, 2});

    pb graph;
    graph.string_field(1, "a node we never read").string_field(2, "graph name");
    graph.message_field(5, int8_tensor).message_field(5, packed_floats);
    graph.fixed32_field(77, 1).fixed64_field(78, 2).int_field(79, 3);
    graph.message_field(5, loose_floats);
    pb second_graph;  // a repeated message field is merged: its initializers are added
    second_graph.message_field(5, int64_tensor)
        .message_field(5, scalar)
        .message_field(5, other_type);

    pb entry;
    entry.string_field(1, "k").int_field(3, 5).string_field(2, "v1");
    pb model;
    model.int_field(1, 8).fixed64_field(99, 1).string_field(2, "producer").fixed32_field(98, 1);
    model.message_field(7, graph).message_field(14, entry);
    model.message_field(14, pb().string_field(1, "k").string_field(2, "v2"));
    model.message_field(7, second_graph).message_field(14, pb().string_field(2, "no key"));

    const onnx_model m = read_onnx_model(model.bytes);
    CHECK(m.metadata.size() == 3);
    REQUIRE(m.metadata_value("k"));
    CHECK(*m.metadata_value("k") == "v2");  // the last one wins
    REQUIRE(m.metadata_value(""));
    CHECK(*m.metadata_value("") == "no key");
    REQUIRE(m.initializers.size() == 6);

    const onnx_tensor* w8 = m.initializer("w8");
    REQUIRE(w8);
    CHECK(w8->dims == std::vector<std::int64_t>{2, 3});
    REQUIRE(w8->data().size() == 6);
    const std::vector<std::int8_t> expected{-128, -1, 0, 1, 127, 5};
    for (std::size_t i = 0; i < 6; ++i)
        CHECK(static_cast<std::int8_t>(w8->data()[i]) == expected[i]);

    const onnx_tensor* f = m.initializer("f");
    REQUIRE(f);
    CHECK(f->dims == std::vector<std::int64_t>{2});
    REQUIRE(f->data().size() == 8);
    CHECK(f->decoded.empty());
    CHECK(float_at(f->data(), 0) == 1.5f);
    CHECK(float_at(f->data(), 1) == -2.0f);

    const onnx_tensor* f2 = m.initializer("f2");
    REQUIRE(f2);
    REQUIRE(f2->data().size() == 12);
    CHECK(float_at(f2->data(), 2) == -7.5f);

    const onnx_tensor* i64 = m.initializer("i64");
    REQUIRE(i64);
    REQUIRE(i64->data().size() == 16);
    for (int b = 0; b < 8; ++b) CHECK(i64->data()[b] == 0xff);
    CHECK(i64->data()[8] == 44);  // 300 = 0x012c, little-endian
    CHECK(i64->data()[9] == 1);

    const onnx_tensor* s = m.initializer("scalar");
    REQUIRE(s);
    CHECK(s->dims.empty());
    CHECK(s->element_count == 1);
    CHECK(float_at(s->data(), 0) == 9.0f);

    const onnx_tensor* other = m.initializer("double");
    REQUIRE(other);
    CHECK(other->data().size() == 2);
}

TEST_CASE("onnx reader: malformed files are rejected with a clear message") {
    check_rejected({}, "empty file");
    check_rejected({0x08, 0x80}, "truncated varint");
    check_rejected({0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01},
                   "varint longer than 64 bits");
    check_rejected({0x12, 0x05, 'a'}, "runs past the end");
    check_rejected(pb().tag(5, 3).bytes, "unsupported wire type 3");
    check_rejected(pb().tag(5, 4).bytes, "unsupported wire type 4");
    check_rejected({0x00}, "invalid field number");
    check_rejected({0x0d, 0x01, 0x02}, "truncated fixed-size value");
    check_rejected({0x09, 0x01, 0x02, 0x03}, "truncated fixed-size value");
    check_rejected(pb().int_field(7, 1).bytes, "ModelProto.graph has wire type 0");
    check_rejected(pb().int_field(14, 1).bytes, "metadata_props");
    // A graph whose inner length is fine but whose tensor overruns it.
    check_rejected(pb().message_field(7, pb().tag(5, 2).varint(10).varint(1)).bytes,
                   "in GraphProto");

    check_rejected(model_with({float_tensor("t", {2, 2}, float_bytes({1, 2, 3}))}),
                   "initializer 't': raw_data has 12 bytes");
    check_rejected(model_with({float_tensor("t", {-1}, {})}), "negative dimension");
    check_rejected(model_with({float_tensor("t", {1ll << 40, 1ll << 40}, {})}),
                   "shape is too large");
    check_rejected(model_with({float_tensor("a", {1}, float_bytes({1})),
                               float_tensor("b", {1}, float_bytes({1})),
                               float_tensor("a", {1}, float_bytes({2}))}),
                   "duplicate initializer 'a'");
    check_rejected(model_with({pb().int_field(1, 3).int_field(2, 3).string_field(8, "q")}),
                   "int32_data holds 0 values, its shape needs 3");
    check_rejected(
        model_with({pb().int_field(1, 1).int_field(2, 3).string_field(8, "q").int_field(5, 200)}),
        "does not fit int8");
    check_rejected(
        model_with({pb().int_field(1, 2).int_field(2, 1).string_field(8, "f").bytes_field(
            4, float_bytes({1}))}),
        "float_data holds 1 values");
    check_rejected(
        model_with(
            {pb().int_field(1, 1).int_field(2, 1).string_field(8, "f").bytes_field(4, {0, 0, 0})}),
        "packed float_data of 3 bytes");
    check_rejected(model_with({float_tensor("ext", {1}, {}).int_field(14, 1)}),
                   "initializer 'ext' keeps its data in an external file");
    check_rejected(model_with({pb().int_field(2, -5)}), "invalid data_type");
}

TEST_CASE("onnx reader: every truncation of the fixture's first 200 bytes is safe") {
    const auto bytes = fixture_bytes();
    REQUIRE(bytes.size() > 200);
    int rejected = 0;
    for (std::size_t n = 0; n < 200; ++n) {
        onnx_model model;
        const outcome o = try_read(std::span(bytes).first(n), &model);
        REQUIRE(o != outcome::other_exception);
        if (o == outcome::rejected) {
            ++rejected;
        } else {
            // Only a prefix that ends between two top-level fields (after
            // ir_version or producer_name) is a well-formed message; the
            // graph has not started yet then.
            CHECK(model.initializers.empty());
            CHECK(model.metadata.empty());
        }
    }
    CHECK(rejected >= 195);
    // And a truncation anywhere later (every 7th length, to stay quick):
    // inside the graph it is always an error.
    for (std::size_t n = 200; n < bytes.size(); n += 7) {
        const outcome o = try_read(std::span(bytes).first(n));
        REQUIRE(o != outcome::other_exception);
        if (n < bytes.size() * 9 / 10) CHECK(o == outcome::rejected);  // the graph is ~99%
    }
}

TEST_CASE("onnx reader: random byte flips never crash") {
    const auto original = fixture_bytes();
    std::uint64_t state = 12345;  // splitmix64, the same on every platform
    auto next = [&] {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    };
    int rejected = 0;
    for (int trial = 0; trial < 3000; ++trial) {
        auto bytes = original;
        const int flips = 1 + static_cast<int>(next() % 3);
        for (int k = 0; k < flips; ++k) {
            const std::size_t at = next() % bytes.size();
            bytes[at] ^= static_cast<std::uint8_t>(1 + next() % 255);
        }
        const outcome o = try_read(bytes);
        REQUIRE(o != outcome::other_exception);
        rejected += o == outcome::rejected;
    }
    CHECK(rejected > 0);  // many flips land in weight bytes and stay well-formed
}
