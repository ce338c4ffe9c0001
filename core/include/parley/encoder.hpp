#pragma once
// The "student" sentence encoder run by the core's own kernels (native in
// `parley serve`, WebAssembly in the widget's worker), reading its weights
// straight from the shipped ONNX file (models/FORMAT.md, format
// `student-encoder-1`). It runs the same arithmetic as the graph, which it
// never interprets: a small post-LN BERT, mean pooling, a projection to an
// L2-normalized embedding and a sigmoid frustration head.
//
// Matrices stay int8 with one float scale per output (about a quarter of the
// float size: a few MB in the browser); rows are widened to float one at a
// time while multiplying.
#include <cstdint>
#include <span>
#include <vector>

namespace parley {

struct embedding_result {
    std::vector<float> embedding;  // output_dim values, unit length
    float frustration = 0.0f;      // probability in [0, 1]
};

class encoder {
  public:
    // Reads and validates an ONNX file's bytes: `parley.format` must be
    // `student-encoder-1`, and every initializer of FORMAT.md must be present
    // with the type and shape the metadata implies. Throws
    // std::invalid_argument naming what is wrong. The weights are copied, so
    // the bytes may be freed afterwards.
    static encoder load(std::span<const std::uint8_t> onnx_bytes);

    std::size_t hidden() const { return hidden_; }
    std::size_t output_dim() const { return output_dim_; }
    std::size_t max_positions() const { return max_positions_; }
    std::size_t vocab_size() const { return vocab_size_; }
    std::size_t layers() const { return layers_.size(); }
    std::size_t heads() const { return heads_; }
    std::size_t ffn() const { return ffn_; }
    // Bytes of weights held (int8 matrices, float vectors).
    std::size_t memory_bytes() const;

    // Embeds one sequence of token ids (`<s>` + pieces + `</s>`, from the
    // subword tokenizer). Every id must be in [0, vocab_size) and there must
    // be at least one (std::invalid_argument otherwise). A sequence longer
    // than max_positions is cut to its first max_positions - 1 ids plus its
    // last id, so it still ends with `</s>` as the model was trained.
    embedding_result embed(std::span<const std::int32_t> ids) const;

  private:
    // An [in, out] int8 matrix: weight = q * scale[out], then + bias[out].
    struct int8_matrix {
        std::size_t rows = 0, cols = 0;
        std::vector<std::int8_t> q;  // row-major, rows * cols
        std::vector<float> scale, bias;
    };
    struct layer_weights {
        int8_matrix qkv, attn_out, ffn_in, ffn_out;
        std::vector<float> ln1_gamma, ln1_beta, ln2_gamma, ln2_beta;
    };

    encoder() = default;
    // out[T, cols] = x[T, rows] · W + bias; `row` is a scratch of 4 * cols floats.
    static void matmul(const float* x, std::size_t tokens, const int8_matrix& w, float* out,
                       float* row);
    void layer_norm(float* x, std::size_t tokens, const std::vector<float>& gamma,
                    const std::vector<float>& beta) const;

    std::size_t hidden_ = 0, heads_ = 0, ffn_ = 0, output_dim_ = 0, max_positions_ = 0,
                vocab_size_ = 0;
    float eps_ = 0.0f;
    std::vector<std::int8_t> tok_q_;  // [vocab, hidden]
    std::vector<float> tok_scale_;    // [vocab], one per row
    std::vector<float> pos_emb_;      // [max_positions, hidden]
    std::vector<float> emb_ln_gamma_, emb_ln_beta_;
    std::vector<layer_weights> layers_;
    int8_matrix proj_;
    std::vector<float> frustration_weight_;
    float frustration_bias_ = 0.0f;
};

}  // namespace parley
