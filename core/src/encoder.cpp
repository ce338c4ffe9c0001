#include "parley/encoder.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

#include "parley/onnx_reader.hpp"

namespace parley {

namespace {

constexpr std::string_view format_name = "student-encoder-1";

[[noreturn]] void fail(const std::string& what) {
    throw std::invalid_argument("student model: " + what);
}

// Limits far above any model we ship (hidden 256, ffn 1024, 128 positions).
// The int8 matrices' sizes are backed by bytes in the file, but the per-call
// activations are not: these bounds keep a small hostile file from asking
// embed() for gigabytes, and every size representable in 32-bit wasm.
constexpr std::uint64_t max_width = 1u << 16;  // hidden, ffn, output_dim, max_positions
constexpr std::uint64_t max_vocab = 1u << 22;
constexpr std::uint64_t max_layers = 64;
constexpr std::uint64_t max_activation_floats = 1u << 24;  // max_positions x widest row

// Metadata values are plain decimal strings: no sign, no spaces.
std::uint64_t parse_count(const onnx_model& model, const char* key, std::uint64_t limit) {
    const std::string* text = model.metadata_value(key);
    if (!text) fail(std::string("metadata '") + key + "' is missing");
    std::uint64_t value = 0;
    const bool digits_only =
        !text->empty() && text->size() <= 9 &&
        std::all_of(text->begin(), text->end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits_only)
        for (char c : *text) value = value * 10 + static_cast<std::uint64_t>(c - '0');
    if (!digits_only || value == 0 || value > limit)
        fail(std::string("metadata '") + key + "' is '" + *text +
             "', expected an integer from 1 to " + std::to_string(limit));
    return value;
}

// A positive decimal such as Python's repr of a float ("1e-12", "1e-05",
// "0.001"). Written by hand because std::from_chars for floating point is
// missing from the libc++ the wasm build uses, and strtod depends on the
// process locale.
float parse_epsilon(const onnx_model& model) {
    const char* key = "layer_norm_eps";
    const std::string* text = model.metadata_value(key);
    if (!text) fail(std::string("metadata '") + key + "' is missing");
    const std::string& s = *text;
    std::size_t i = 0;
    std::uint64_t mantissa = 0;
    int exponent = 0, digits = 0;
    auto digit = [&](char c) {
        // Digits past the 18th cannot change a float: drop them, keeping the magnitude.
        if (mantissa < 100000000000000000ull)
            mantissa = mantissa * 10 + static_cast<std::uint64_t>(c - '0');
        else
            ++exponent;
        ++digits;
    };
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') digit(s[i++]);
    if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') digit(s[i++]), --exponent;
    }
    bool ok = digits > 0;
    if (ok && i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        bool negative = false;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
        int e = 0, e_digits = 0;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9' && e < 1000)
            e = e * 10 + (s[i++] - '0'), ++e_digits;
        ok = e_digits > 0;
        exponent += negative ? -e : e;
    }
    ok = ok && i == s.size();
    const double value = ok ? static_cast<double>(mantissa) * std::pow(10.0, exponent) : 0.0;
    const auto result = static_cast<float>(value);
    if (!ok || !(result > 0.0f) || !std::isfinite(result))
        fail(std::string("metadata '") + key + "' is '" + s + "', expected a positive number");
    return result;
}

const char* type_name(std::int32_t data_type) {
    switch (static_cast<onnx_type>(data_type)) {
        case onnx_type::float32:
            return "float32";
        case onnx_type::int8:
            return "int8";
        case onnx_type::int64:
            return "int64";
    }
    return nullptr;
}

std::string shape_text(std::span<const std::int64_t> dims) {
    std::string out = "[";
    for (std::size_t i = 0; i < dims.size(); ++i) out += (i ? ", " : "") + std::to_string(dims[i]);
    return out + "]";
}

const onnx_tensor& require(const onnx_model& model, const std::string& name, onnx_type type,
                           std::initializer_list<std::uint64_t> shape) {
    const onnx_tensor* t = model.initializer(name);
    if (!t) fail("initializer '" + name + "' is missing");
    if (t->data_type != static_cast<std::int32_t>(type)) {
        const char* got = type_name(t->data_type);
        fail("initializer '" + name + "' is " +
             (got ? std::string(got) : "data type " + std::to_string(t->data_type)) +
             ", expected " + type_name(static_cast<std::int32_t>(type)));
    }
    std::vector<std::int64_t> wanted;
    for (const std::uint64_t d : shape) wanted.push_back(static_cast<std::int64_t>(d));
    if (t->dims != wanted)
        fail("initializer '" + name + "' has shape " + shape_text(t->dims) + ", expected " +
             shape_text(wanted) + " (from the metadata)");
    return *t;
}

// The file is little-endian whatever the host: assemble the bytes.
std::vector<float> floats(const onnx_model& model, const std::string& name,
                          std::initializer_list<std::uint64_t> shape) {
    const auto bytes = require(model, name, onnx_type::float32, shape).data();
    std::vector<float> out(bytes.size() / 4);
    for (std::size_t i = 0; i < out.size(); ++i) {
        const std::uint32_t bits = static_cast<std::uint32_t>(bytes[4 * i]) |
                                   static_cast<std::uint32_t>(bytes[4 * i + 1]) << 8 |
                                   static_cast<std::uint32_t>(bytes[4 * i + 2]) << 16 |
                                   static_cast<std::uint32_t>(bytes[4 * i + 3]) << 24;
        std::memcpy(&out[i], &bits, sizeof bits);
    }
    return out;
}

std::vector<std::int8_t> int8s(const onnx_model& model, const std::string& name,
                               std::initializer_list<std::uint64_t> shape) {
    const auto bytes = require(model, name, onnx_type::int8, shape).data();
    std::vector<std::int8_t> out(bytes.size());
    if (!bytes.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
    return out;
}

// "l3": built with append, as GCC 12 warns falsely (-Wrestrict) on "l" + string.
std::string layer_prefix(std::uint64_t i) {
    std::string out = "l";
    out += std::to_string(i);
    return out;
}

// Eight independent partial sums: the compiler may not reorder a float
// reduction by itself (-ffast-math is off), but it does vectorize this. The
// attention scores are T² such dots per head: 15% of the time at 128 tokens
// with a plain loop.
float dot(const float* a, const float* b, std::size_t n) {
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (std::size_t k = 0; k < 8; ++k) acc[k] += a[i + k] * b[i + k];
    float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < n; ++i) sum += a[i] * b[i];
    return sum;
}

}  // namespace

encoder encoder::load(std::span<const std::uint8_t> onnx_bytes) {
    const onnx_model model = read_onnx_model(onnx_bytes);
    const std::string* format = model.metadata_value("parley.format");
    if (!format) fail("no 'parley.format' metadata: not a Parley student encoder");
    if (*format != format_name)
        fail("unsupported parley.format '" + *format + "' (this build reads '" +
             std::string(format_name) + "')");

    encoder e;
    const std::uint64_t h = parse_count(model, "hidden", max_width);
    const std::uint64_t layers = parse_count(model, "layers", max_layers);
    const std::uint64_t heads = parse_count(model, "heads", h);
    const std::uint64_t f = parse_count(model, "ffn", max_width);
    const std::uint64_t d = parse_count(model, "output_dim", max_width);
    const std::uint64_t p = parse_count(model, "max_positions", max_width);
    const std::uint64_t v = parse_count(model, "vocab_size", max_vocab);
    if (h % heads != 0)
        fail("hidden " + std::to_string(h) + " is not divisible by heads " + std::to_string(heads));
    if (p * std::max({3 * h, f, d}) > max_activation_floats)
        fail("max_positions x layer width exceeds " + std::to_string(max_activation_floats));
    e.eps_ = parse_epsilon(model);
    e.hidden_ = h;
    e.heads_ = heads;
    e.ffn_ = f;
    e.output_dim_ = d;
    e.max_positions_ = p;
    e.vocab_size_ = v;

    e.tok_q_ = int8s(model, "tok_emb.q", {v, h});
    e.tok_scale_ = floats(model, "tok_emb.scale", {v});
    e.pos_emb_ = floats(model, "pos_emb", {p, h});
    e.emb_ln_gamma_ = floats(model, "emb_ln.gamma", {h});
    e.emb_ln_beta_ = floats(model, "emb_ln.beta", {h});
    auto matrix = [&](const std::string& prefix, std::uint64_t rows, std::uint64_t cols) {
        int8_matrix m;
        m.rows = rows;
        m.cols = cols;
        m.q = int8s(model, prefix + ".q", {rows, cols});
        m.scale = floats(model, prefix + ".scale", {cols});
        m.bias = floats(model, prefix + ".bias", {cols});
        return m;
    };
    for (std::uint64_t i = 0; i < layers; ++i) {
        const std::string l = layer_prefix(i);
        layer_weights w;
        w.qkv = matrix(l + ".qkv", h, 3 * h);
        w.attn_out = matrix(l + ".attn_out", h, h);
        w.ln1_gamma = floats(model, l + ".ln1.gamma", {h});
        w.ln1_beta = floats(model, l + ".ln1.beta", {h});
        w.ffn_in = matrix(l + ".ffn_in", h, f);
        w.ffn_out = matrix(l + ".ffn_out", f, h);
        w.ln2_gamma = floats(model, l + ".ln2.gamma", {h});
        w.ln2_beta = floats(model, l + ".ln2.beta", {h});
        e.layers_.push_back(std::move(w));
    }
    // A file with more layers than its metadata says would otherwise run
    // silently truncated.
    if (model.initializer(layer_prefix(layers) + ".qkv.q"))
        fail("metadata says " + std::to_string(layers) + " layers but the file has " +
             layer_prefix(layers) + ".*");
    e.proj_ = matrix("proj", h, d);
    e.frustration_weight_ = floats(model, "frustration.weight", {d});
    e.frustration_bias_ = floats(model, "frustration.bias", {1}).front();
    return e;
}

std::size_t encoder::memory_bytes() const {
    auto of = [](const int8_matrix& m) {
        return m.q.size() + (m.scale.size() + m.bias.size()) * sizeof(float);
    };
    std::size_t total =
        tok_q_.size() + (tok_scale_.size() + pos_emb_.size() + emb_ln_gamma_.size() +
                         emb_ln_beta_.size() + frustration_weight_.size() + 1) *
                            sizeof(float);
    for (const auto& l : layers_)
        total += of(l.qkv) + of(l.attn_out) + of(l.ffn_in) + of(l.ffn_out) +
                 4 * l.ln1_gamma.size() * sizeof(float);
    return total + of(proj_);
}

// Row-at-a-time int8 product: each int8 row of W is widened to float once and
// then added, scaled by x[t][i], into every token's accumulator row. Every
// inner loop is contiguous and branch-free, so compilers vectorize them (SSE
// natively, SIMD128 under Emscripten) without intrinsics, and W is read once
// per call however many tokens there are. Rows go four at a time so that each
// accumulator is loaded and stored once per four rows: that was the bottleneck
// (30% faster measured with bench/encoder). Scales and biases are applied per
// output column at the end: (Σ x·q)·scale equals Σ x·(q·scale) up to rounding.
// `row` holds 4 * cols floats.
void encoder::matmul(const float* x, std::size_t tokens, const int8_matrix& w, float* out,
                     float* row) {
    const std::size_t rows = w.rows, cols = w.cols;
    std::fill(out, out + tokens * cols, 0.0f);
    std::size_t i = 0;
    for (; i + 4 <= rows; i += 4) {
        const std::int8_t* q = w.q.data() + i * cols;
        for (std::size_t j = 0; j < 4 * cols; ++j) row[j] = static_cast<float>(q[j]);
        const float* r0 = row;
        const float* r1 = row + cols;
        const float* r2 = row + 2 * cols;
        const float* r3 = row + 3 * cols;
        for (std::size_t t = 0; t < tokens; ++t) {
            const float* xt = x + t * rows + i;
            const float x0 = xt[0], x1 = xt[1], x2 = xt[2], x3 = xt[3];
            float* acc = out + t * cols;
            for (std::size_t j = 0; j < cols; ++j)
                acc[j] += (x0 * r0[j] + x1 * r1[j]) + (x2 * r2[j] + x3 * r3[j]);
        }
    }
    for (; i < rows; ++i) {
        const std::int8_t* q = w.q.data() + i * cols;
        for (std::size_t j = 0; j < cols; ++j) row[j] = static_cast<float>(q[j]);
        for (std::size_t t = 0; t < tokens; ++t) {
            const float xi = x[t * rows + i];
            float* acc = out + t * cols;
            for (std::size_t j = 0; j < cols; ++j) acc[j] += xi * row[j];
        }
    }
    const float* scale = w.scale.data();
    const float* bias = w.bias.data();
    for (std::size_t t = 0; t < tokens; ++t) {
        float* acc = out + t * cols;
        for (std::size_t j = 0; j < cols; ++j) acc[j] = acc[j] * scale[j] + bias[j];
    }
}

// (x − mean) / sqrt(var + eps) · gamma + beta over each token row; the
// variance is taken around the mean (two passes), without Bessel's correction.
void encoder::layer_norm(float* x, std::size_t tokens, const std::vector<float>& gamma,
                         const std::vector<float>& beta) const {
    const std::size_t n = hidden_;
    for (std::size_t t = 0; t < tokens; ++t) {
        float* r = x + t * n;
        float sum = 0.0f;
        for (std::size_t j = 0; j < n; ++j) sum += r[j];
        const float mean = sum / static_cast<float>(n);
        float squares = 0.0f;
        for (std::size_t j = 0; j < n; ++j) squares += (r[j] - mean) * (r[j] - mean);
        const float inv = 1.0f / std::sqrt(squares / static_cast<float>(n) + eps_);
        for (std::size_t j = 0; j < n; ++j) r[j] = (r[j] - mean) * inv * gamma[j] + beta[j];
    }
}

embedding_result encoder::embed(std::span<const std::int32_t> ids) const {
    if (ids.empty()) throw std::invalid_argument("encoder: no token ids");
    for (const std::int32_t id : ids)
        if (id < 0 || static_cast<std::size_t>(id) >= vocab_size_)
            throw std::invalid_argument("encoder: token id " + std::to_string(id) +
                                        " is outside the vocabulary [0, " +
                                        std::to_string(vocab_size_) + ")");
    const std::size_t tokens = std::min(ids.size(), max_positions_);
    const std::size_t h = hidden_, f = ffn_, d = h / heads_;
    auto id_at = [&](std::size_t t) {  // truncation keeps the final `</s>`
        return static_cast<std::size_t>(t + 1 == tokens ? ids.back() : ids[t]);
    };

    // Per-call buffers: embed() stays const and re-entrant; their allocation
    // is small next to the matrix products (measured in bench/encoder).
    std::vector<float> x(tokens * h), qkv(tokens * 3 * h), ctx(tokens * h), tmp(tokens * h),
        inner(tokens * f), scores(tokens);
    std::vector<float> row(4 * std::max({3 * h, f, output_dim_}));

    for (std::size_t t = 0; t < tokens; ++t) {
        const std::size_t id = id_at(t);
        const std::int8_t* q = tok_q_.data() + id * h;
        const float scale = tok_scale_[id];
        const float* pos = pos_emb_.data() + t * h;
        for (std::size_t j = 0; j < h; ++j)
            x[t * h + j] = static_cast<float>(q[j]) * scale + pos[j];
    }
    layer_norm(x.data(), tokens, emb_ln_gamma_, emb_ln_beta_);

    const float inv_sqrt_d = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
    constexpr float inv_sqrt2 = 0.70710678118654752f;
    for (const layer_weights& w : layers_) {
        matmul(x.data(), tokens, w.qkv, qkv.data(), row.data());
        // Self-attention per head; with one unpadded sequence every mask is 1,
        // so FORMAT.md's −10000 term is always 0.
        for (std::size_t head = 0; head < heads_; ++head) {
            const std::size_t col = head * d;
            for (std::size_t t = 0; t < tokens; ++t) {
                const float* q = qkv.data() + t * 3 * h + col;
                float best = -std::numeric_limits<float>::infinity();
                for (std::size_t u = 0; u < tokens; ++u) {
                    scores[u] = dot(q, qkv.data() + u * 3 * h + h + col, d) * inv_sqrt_d;
                    best = std::max(best, scores[u]);
                }
                float total = 0.0f;
                for (std::size_t u = 0; u < tokens; ++u)
                    total += scores[u] = std::exp(scores[u] - best);
                float* c = ctx.data() + t * h + col;
                std::fill(c, c + d, 0.0f);
                for (std::size_t u = 0; u < tokens; ++u) {
                    const float weight = scores[u] / total;
                    const float* v = qkv.data() + u * 3 * h + 2 * h + col;
                    for (std::size_t j = 0; j < d; ++j) c[j] += weight * v[j];
                }
            }
        }
        matmul(ctx.data(), tokens, w.attn_out, tmp.data(), row.data());
        for (std::size_t k = 0; k < x.size(); ++k) x[k] += tmp[k];
        layer_norm(x.data(), tokens, w.ln1_gamma, w.ln1_beta);

        matmul(x.data(), tokens, w.ffn_in, inner.data(), row.data());
        for (float& g : inner) g = g * (std::erf(g * inv_sqrt2) + 1.0f) * 0.5f;
        matmul(inner.data(), tokens, w.ffn_out, tmp.data(), row.data());
        for (std::size_t k = 0; k < x.size(); ++k) x[k] += tmp[k];
        layer_norm(x.data(), tokens, w.ln2_gamma, w.ln2_beta);
    }

    // Mean pooling (all positions are real tokens), then the projection.
    std::vector<float> pooled(h, 0.0f);
    for (std::size_t t = 0; t < tokens; ++t)
        for (std::size_t j = 0; j < h; ++j) pooled[j] += x[t * h + j];
    for (float& value : pooled) value /= static_cast<float>(tokens);
    embedding_result result;
    result.embedding.resize(output_dim_);
    matmul(pooled.data(), 1, proj_, result.embedding.data(), row.data());

    float squares = 0.0f;
    for (const float value : result.embedding) squares += value * value;
    const float norm = std::max(std::sqrt(squares), 1e-12f);
    for (float& value : result.embedding) value /= norm;
    const float logit =
        dot(result.embedding.data(), frustration_weight_.data(), output_dim_) + frustration_bias_;
    result.frustration = 1.0f / (1.0f + std::exp(-logit));
    return result;
}

}  // namespace parley
