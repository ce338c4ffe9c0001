#pragma once
// The student sentence encoder as the rest of Parley uses it: the core's
// subword tokenizer over models/student.vocab feeding the core's encoder over
// models/student.onnx, plus the model's own retrieval calibration. One object
// embeds shopper messages and a shop's documents with exactly the ids the
// browser's worker computes, so the server and the page agree.
//
// Pure like the rest of the core: the caller reads the files and owns any
// threads. embed() is const and re-entrant, so several threads may share one.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "parley/encoder.hpp"
#include "parley/retriever.hpp"
#include "parley/subword.hpp"

namespace parley {

class dialog_engine;

// ONNX metadata key of the vector-mode calibration fitted for a model
// (bench/calibrate --model, stored by models/set_calibration.py).
inline constexpr std::string_view calibration_metadata_key = "parley.calibration";

// The calibration stored in a model file, nullopt when the file has none.
// Throws std::invalid_argument for an unreadable file or a malformed value:
// a model that says how it is calibrated must say it correctly.
std::optional<calibration> model_calibration(std::span<const std::uint8_t> onnx_bytes);

class sentence_encoder {
  public:
    // Loads the model (encoder::load's checks) and its vocabulary, whose size
    // must equal the model's vocab_size: a vocabulary from another training
    // run would silently give wrong ids. Throws std::invalid_argument.
    static sentence_encoder load(std::span<const std::uint8_t> onnx_bytes,
                                 std::string_view vocab_text);
    // Movable only: the tokenizer's lookup table holds views into its own
    // pieces, which a move keeps in place and a copy would leave behind.
    sentence_encoder(sentence_encoder&&) = default;
    sentence_encoder& operator=(sentence_encoder&&) = default;
    sentence_encoder(const sentence_encoder&) = delete;
    sentence_encoder& operator=(const sentence_encoder&) = delete;

    // Embeds text as the core analyses it (dialog_engine::analysis_text for a
    // message, retrieval_document::text for a document).
    embedding_result embed(std::string_view analysed_text) const;
    // Token ids of that text, as embed() feeds them to the model.
    std::vector<std::int32_t> token_ids(std::string_view analysed_text) const;

    // Vectors for every document of the index (documents() order), embedding
    // only what retriever::embedding_plan() asks for.
    std::vector<float> embed_documents(const retriever& index) const;
    // Embeds the engine's documents, attaches them and switches the engine's
    // vector-mode calibration to this model's.
    void attach_documents(dialog_engine& engine) const;
    // Same with vectors computed elsewhere (several threads, a cache).
    void attach_documents(dialog_engine& engine, std::span<const float> flat) const;

    std::size_t dimension() const { return model_.output_dim(); }
    const encoder& model() const { return model_; }
    const subword_tokenizer& tokenizer() const { return tokenizer_; }
    // The model's own calibration, else default_vector_calibration().
    const calibration& vector_calibration() const { return calibration_; }
    bool calibrated() const { return calibrated_; }  // the file carried one

  private:
    sentence_encoder(encoder model, subword_tokenizer tokenizer)
        : model_(std::move(model)), tokenizer_(std::move(tokenizer)) {}

    encoder model_;
    subword_tokenizer tokenizer_;
    calibration calibration_ = default_vector_calibration();
    bool calibrated_ = false;
};

}  // namespace parley
