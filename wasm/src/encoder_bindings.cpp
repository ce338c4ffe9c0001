// Embind bindings of the student sentence encoder (core/src/encoder.cpp, the
// subword tokenizer and the ONNX reader) as a module of its own,
// parley-encoder.mjs + .wasm: the widget's worker loads it lazily, after the
// first answer, so the core module the first answer needs does not grow. An
// adapter only, like bindings.cpp: no globals, no nlohmann, and no C++
// exception ever crosses into JavaScript — a failure comes back as data
// (`ok()`/`error()` for the constructor, `{error: "..."}` for calls).
//
// JS API (see wasm/README.md):
//   const mod = await createParleyEncoder();
//   const enc = new mod.Encoder(modelBytes /* Uint8Array */, vocabText /* string */);
//   enc.ok(); enc.error();
//   enc.tokenize(normalizedText)  -> Int32Array: <s> pieces </s>, at most maxPositions() ids
//   enc.embed(normalizedText)     -> {embedding: Float32Array (unit length), frustration: number}
//   enc.embedIds(ids)             -> the same for token ids (Int32Array or array)
//   enc.calibration()             -> the model's retrieval calibration (JSON text of its ONNX
//                                    metadata `parley.calibration`), "" if it has none:
//                                    pass it to Engine.setVectorCalibration()
//   enc.maxPositions(); enc.outputDim(); enc.vocabSize();
//   enc.delete();
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdint>
#include <exception>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "parley/encoder.hpp"
#include "parley/onnx_reader.hpp"
#include "parley/subword.hpp"

namespace {

using emscripten::val;

val error_object(const std::string& message) {
    val out = val::object();
    out.set("error", message);
    return out;
}

// A JS-owned copy (slice) of a vector's contents as a typed array.
template <class T>
val typed_copy(const std::vector<T>& v) {
    return val(emscripten::typed_memory_view(v.size(), v.data())).call<val>("slice");
}

class encoder_module {
  public:
    // `model_bytes`: the ONNX file (Embind takes a Uint8Array, Int8Array or
    // ArrayBuffer for a std::string); `vocab_text`: models/student.vocab.
    encoder_module(const std::string& model_bytes, const std::string& vocab_text) {
        try {
            tokenizer_ = parley::subword_tokenizer::from_vocab(vocab_text);
            const std::span<const std::uint8_t> bytes(
                reinterpret_cast<const std::uint8_t*>(model_bytes.data()), model_bytes.size());
            encoder_ = std::make_unique<parley::encoder>(parley::encoder::load(bytes));
            // As parley::sentence_encoder: a vocabulary of another training run gives wrong ids.
            if (tokenizer_.size() != encoder_->vocab_size()) {
                error_ = "the vocabulary has " + std::to_string(tokenizer_.size()) +
                         " pieces but the model expects " + std::to_string(encoder_->vocab_size()) +
                         ": they come from different training runs";
                encoder_.reset();
            } else {
                // Parsed (and checked) by the core module: Engine.setVectorCalibration.
                const parley::onnx_model model = parley::read_onnx_model(bytes);
                if (const std::string* c = model.metadata_value("parley.calibration")) calibration_ = *c;
            }
        } catch (const std::exception& e) {
            error_ = e.what();
            encoder_.reset();
        } catch (...) {
            error_ = "encoder: unknown error";
            encoder_.reset();
        }
        if (!encoder_ && error_.empty()) error_ = "encoder: not loaded";
    }

    bool ok() const { return encoder_ != nullptr; }
    std::string error() const { return error_; }
    std::size_t max_positions() const { return encoder_ ? encoder_->max_positions() : 0; }
    std::size_t output_dim() const { return encoder_ ? encoder_->output_dim() : 0; }
    std::size_t vocab_size() const { return encoder_ ? encoder_->vocab_size() : 0; }
    std::string calibration() const { return calibration_; }

    // `normalized`: the core's analysis text (Engine.analysisText) or a
    // document text (Engine.documentTexts), both normalized already.
    val tokenize(const std::string& normalized) const {
        return guarded([&] { return typed_copy(ids_of(normalized)); });
    }

    val embed(const std::string& normalized) const {
        return guarded([&] { return result(encoder_->embed(ids_of(normalized))); });
    }

    val embed_ids(const val& ids) const {
        return guarded([&] {
            const std::vector<std::int32_t> v = emscripten::vecFromJSArray<std::int32_t>(ids);
            return result(encoder_->embed(v));
        });
    }

  private:
    template <class F>
    val guarded(F&& f) const {
        if (!encoder_) return error_object("encoder: not loaded: " + error_);
        try {
            return f();
        } catch (const std::exception& e) {
            return error_object(e.what());
        } catch (...) {
            return error_object("unknown error");
        }
    }

    std::vector<std::int32_t> ids_of(const std::string& normalized) const {
        return tokenizer_.encode(normalized, encoder_->max_positions());
    }

    static val result(const parley::embedding_result& r) {
        val out = val::object();
        out.set("embedding", typed_copy(r.embedding));
        out.set("frustration", r.frustration);
        return out;
    }

    parley::subword_tokenizer tokenizer_;
    std::unique_ptr<parley::encoder> encoder_;
    std::string calibration_;
    std::string error_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(parley_encoder) {
    emscripten::class_<encoder_module>("Encoder")
        .constructor<const std::string&, const std::string&>()
        .function("ok", &encoder_module::ok)
        .function("error", &encoder_module::error)
        .function("maxPositions", &encoder_module::max_positions)
        .function("outputDim", &encoder_module::output_dim)
        .function("vocabSize", &encoder_module::vocab_size)
        .function("calibration", &encoder_module::calibration)
        .function("tokenize", &encoder_module::tokenize)
        .function("embed", &encoder_module::embed)
        .function("embedIds", &encoder_module::embed_ids);
}
