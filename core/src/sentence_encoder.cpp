#include "parley/sentence_encoder.hpp"

#include <stdexcept>
#include <string>

#include "parley/dialog.hpp"
#include "parley/onnx_reader.hpp"

namespace parley {

std::optional<calibration> model_calibration(std::span<const std::uint8_t> onnx_bytes) {
    // The reader only indexes the file (tensor data stays a view), so reading
    // it a second time next to encoder::load costs a few milliseconds.
    const onnx_model model = read_onnx_model(onnx_bytes);
    const std::string* text = model.metadata_value(calibration_metadata_key);
    if (!text) return std::nullopt;
    try {
        return parse_calibration(*text);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument("metadata '" + std::string(calibration_metadata_key) +
                                    "': " + e.what());
    }
}

sentence_encoder sentence_encoder::load(std::span<const std::uint8_t> onnx_bytes,
                                        std::string_view vocab_text) {
    encoder model = encoder::load(onnx_bytes);
    subword_tokenizer tokenizer = subword_tokenizer::from_vocab(vocab_text);
    if (tokenizer.size() != model.vocab_size())
        throw std::invalid_argument("the vocabulary has " + std::to_string(tokenizer.size()) +
                                    " pieces but the model expects " +
                                    std::to_string(model.vocab_size()) +
                                    ": they come from different training runs");
    const auto calib = model_calibration(onnx_bytes);
    sentence_encoder out(std::move(model), std::move(tokenizer));
    // Without its own coefficients the model gets the generic vector ones; a
    // confidence is then less exact but the threshold still means roughly
    // the same as with BM25 alone.
    if (calib) out.calibration_ = *calib, out.calibrated_ = true;
    return out;
}

std::vector<std::int32_t> sentence_encoder::token_ids(std::string_view analysed_text) const {
    return tokenizer_.encode(analysed_text, model_.max_positions());
}

embedding_result sentence_encoder::embed(std::string_view analysed_text) const {
    return model_.embed(token_ids(analysed_text));
}

std::vector<float> sentence_encoder::embed_documents(const retriever& index) const {
    const auto plan = index.embedding_plan();
    const std::size_t dim = dimension();
    std::vector<float> embedded(plan.embed.size() * dim);
    for (std::size_t i = 0; i < plan.embed.size(); ++i) {
        const auto r = embed(index.documents()[plan.embed[i]].text);
        std::copy(r.embedding.begin(), r.embedding.end(),
                  embedded.begin() + static_cast<std::ptrdiff_t>(i * dim));
    }
    return plan.expand(embedded, dim);
}

void sentence_encoder::attach_documents(dialog_engine& engine) const {
    const auto flat = embed_documents(engine.index());
    attach_documents(engine, flat);
}

void sentence_encoder::attach_documents(dialog_engine& engine, std::span<const float> flat) const {
    engine.index().set_document_embeddings(flat, dimension());
    engine.index().set_vector_calibration(calibration_);
}

}  // namespace parley
