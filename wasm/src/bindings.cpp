// Embind bindings of the core for the browser (the widget's Web Worker) and
// node. An adapter only: it converts strings and JSON (parley/json.hpp), holds no globals, and
// never lets a C++ exception cross into JavaScript — every failure comes back
// as data (`ok()`/`error()` for the constructor, `{"error": "..."}` for calls).
//
// JS API (see wasm/README.md):
//   const core = await createParleyCore();
//   const engine = new core.Engine(configJson);
//   engine.ok(); engine.error();
//   engine.greet(sessionJson)          -> '{"reply":{...},"session":"<session JSON>"}'
//   engine.respond(sessionJson, text)  -> same shape ("session_reset":true if the session was bad)
//   engine.newSession(locale)          -> session JSON ("" = the shop's locale)
//   engine.analysisText(text)          -> normalized, PII-masked text
//   engine.language(text, fallback)    -> "en" | "zh": the language the core reads the text in
//   engine.documentTexts()             -> JSON array of the texts to embed (the embedding plan)
//   engine.setDocumentEmbeddings(flat, dimension)
//                                      -> '{"documents":N,"embedded":E,"dimension":D}' or {"error"}
//   engine.setVectorCalibration(json)  -> the model's calibration ("" = the default) as JSON
//   engine.respondWith(sessionJson, text, embedding, frustration)
//                                      -> as respond(), fusing the message's embedding
//   engine.delete();
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <exception>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "parley/config.hpp"
#include "parley/dialog.hpp"
#include "parley/json.hpp"
#include "parley/retriever.hpp"
#include "parley/session.hpp"
#include "parley/text.hpp"

namespace {

namespace json = parley::json;

std::string error_json(std::string_view message) {
    return json::writer().begin_object().key("error").string(message).end_object().take();
}

class engine {
  public:
    explicit engine(const std::string& config_json) {
        try {
            engine_ = std::make_unique<parley::dialog_engine>(parley::parse_config(config_json));
        } catch (const parley::config_error& e) {
            error_ = e.what();  // "<json path>: <what was expected>"
        } catch (const std::exception& e) {
            error_ = std::string("engine: ") + e.what();
        } catch (...) {
            error_ = "engine: unknown error";
        }
        if (!engine_ && error_.empty()) error_ = "engine: not built";
    }

    bool ok() const { return engine_ != nullptr; }
    std::string error() const { return error_; }

    std::string greet(const std::string& session_json) const {
        return guarded([&] {
            bool reset = false;
            parley::session s = load(session_json, reset);
            const parley::reply r = engine_->greet(s);
            return result(r, s, reset);
        });
    }

    std::string respond(const std::string& session_json, const std::string& text) const {
        return guarded([&] {
            bool reset = false;
            parley::session s = load(session_json, reset);
            const parley::reply r = engine_->respond(s, text);
            return result(r, s, reset);
        });
    }

    // A fresh session in `locale` ("en" or "zh"; "" or anything else: the
    // shop's locale), as the server starts one: pass it to greet().
    std::string new_session(const std::string& locale) const {
        return guarded([&] {
            parley::session s;
            if (!parley::language_from_code(locale, s.lang))
                s.lang = engine_->settings().shop.locale;
            return s.to_json();
        });
    }

    std::string analysis_text(const std::string& text) const {
        return guarded([&] { return engine_->analysis_text(text); });
    }

    // The widget fetches the page language's FAQs only, and all of them
    // once a shopper writes in another language: this says which it is.
    std::string language(const std::string& text, const std::string& fallback) const {
        parley::language lang = parley::language::en;
        parley::language_from_code(fallback, lang);
        return std::string(parley::language_code(parley::detect_language(text, lang)));
    }

    // The texts to embed, in the order setDocumentEmbeddings() expects: the
    // retriever's embedding plan (question documents and flow phrases; an
    // answer borrows its item's first question vector). Each is normalized
    // and PII-masked already: tokenize it as it is.
    std::string document_texts() const {
        return guarded([&] {
            const auto& docs = engine_->index().documents();
            json::writer texts;
            texts.begin_array();
            for (const auto d : engine_->index().embedding_plan().embed) texts.string(docs[d].text);
            return texts.end_array().take();
        });
    }

    // `flat`: a Float32Array (or array) of embeddings in documentTexts() order
    // (texts × dimension values); every document of the index gets its
    // vector through the plan. Replaces earlier ones.
    std::string set_document_embeddings(const emscripten::val& flat, std::size_t dimension) {
        return guarded([&] {
            const std::vector<float> v = emscripten::convertJSArrayToNumberVector<float>(flat);
            const auto plan = engine_->index().embedding_plan();
            engine_->index().set_document_embeddings(plan.expand(v, dimension), dimension);
            json::writer w;  // keys sorted, as nlohmann::json wrote them
            w.begin_object();
            w.key("dimension").integer(static_cast<long long>(dimension));
            w.key("documents").integer(static_cast<long long>(engine_->index().documents().size()));
            w.key("embedded").integer(static_cast<long long>(plan.embed.size()));
            return w.end_object().take();
        });
    }

    // The vector-mode calibration of the model that made the embeddings: the
    // JSON its file carries (ONNX metadata `parley.calibration`, see the
    // encoder module's calibration()), or "" for the core's default.
    std::string set_vector_calibration(const std::string& calibration_json) {
        return guarded([&] {
            const parley::calibration c = calibration_json.empty()
                                              ? parley::default_vector_calibration()
                                              : parley::parse_calibration(calibration_json);
            engine_->index().set_vector_calibration(c);
            return parley::calibration_json(c);
        });
    }

    // respond() with the message's embedding (a Float32Array of the document
    // embeddings' dimension, from the same model; empty = none) and the
    // model's frustration probability (negative = no model score).
    std::string respond_with(const std::string& session_json, const std::string& text,
                             const emscripten::val& embedding, float frustration) const {
        return guarded([&] {
            const std::vector<float> e =
                embedding.isUndefined() || embedding.isNull()
                    ? std::vector<float>{}
                    : emscripten::convertJSArrayToNumberVector<float>(embedding);
            bool reset = false;
            parley::session s = load(session_json, reset);
            const parley::reply r =
                engine_->respond(s, text, std::span<const float>(e), frustration);
            return result(r, s, reset);
        });
    }

  private:
    template <class F>
    std::string guarded(F&& f) const {
        if (!engine_) return error_json("engine: not built: " + error_);
        try {
            return f();
        } catch (const std::exception& e) {
            return error_json(e.what());
        } catch (...) {
            return error_json("unknown error");
        }
    }

    // "" is a fresh session; an unreadable one is replaced by a fresh one
    // (and reported), exactly as the server does with an old stored state.
    static parley::session load(const std::string& session_json, bool& reset) {
        if (session_json.empty()) return parley::session{};
        try {
            return parley::session::from_json(session_json);
        } catch (const std::exception&) {
            reset = true;
            return parley::session{};
        }
    }

    // Byte for byte what `parley replay` prints, so the parity test can
    // compare strings; "session_reset" is only added when it happened.
    static std::string result(const parley::reply& r, const parley::session& s, bool reset) {
        std::string out = "{\"reply\":";
        out += r.to_json();
        out += ",\"session\":";
        json::append_string(out, s.to_json());
        if (reset) out += ",\"session_reset\":true";
        out += '}';
        return out;
    }

    std::unique_ptr<parley::dialog_engine> engine_;
    std::string error_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(parley_core) {
    emscripten::class_<engine>("Engine")
        .constructor<const std::string&>()
        .function("ok", &engine::ok)
        .function("error", &engine::error)
        .function("greet", &engine::greet)
        .function("respond", &engine::respond)
        .function("newSession", &engine::new_session)
        .function("analysisText", &engine::analysis_text)
        .function("language", &engine::language)
        .function("documentTexts", &engine::document_texts)
        .function("setDocumentEmbeddings", &engine::set_document_embeddings)
        .function("setVectorCalibration", &engine::set_vector_calibration)
        .function("respondWith", &engine::respond_with);
}
