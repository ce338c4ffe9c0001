// `parley eval`: replays labelled cases through the same engine the shopper
// talks to, one fresh session per case, and prints the DESIGN.md contract
// metrics; the last line is one JSON object. With --model the student
// encoder embeds the documents and every case in process (as `parley serve`
// does); with --embed-url an OpenAI-compatible embeddings server does.
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>

#include "cli.hpp"
#include "embeddings_client.hpp"
#include "files.hpp"
#include "parley/config.hpp"
#include "parley/dialog.hpp"
#include "parley/sentence_encoder.hpp"
#include "rerank.hpp"
#include "student_model.hpp"

namespace parley {

namespace {

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const double rank = p * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(rank);
    const auto hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
}

double ms_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
}

// Requests to an embeddings server from this thread: one io_context and one
// connection setup (TLS context) for the whole run.
class url_embedder {
  public:
    explicit url_embedder(server::embeddings_endpoint endpoint)
        : client_(http_, std::move(endpoint)) {}
    server::embeddings_result run(std::vector<std::string> texts, std::size_t batch) {
        auto future = boost::asio::co_spawn(
            ioc_, client_.embed_all(std::move(texts), batch, std::chrono::seconds(120)),
            boost::asio::use_future);
        ioc_.restart();
        ioc_.run();
        return future.get();
    }
    // One vector per document of `index` (documents() order, `dimension`
    // floats each; none when the server gave none), its planned documents
    // sent `batch` per request; `error` says what failed.
    struct documents_result {
        std::vector<float> flat;
        std::size_t dimension = 0;
        std::string error;
    };
    documents_result documents(const retriever& index, std::size_t batch) {
        const auto plan = index.embedding_plan();
        std::vector<std::string> texts;
        for (auto d : plan.embed) texts.push_back(index.documents()[d].text);
        const auto r = run(std::move(texts), batch);
        documents_result out;
        if (!r.ok()) {
            out.error = r.error;
            return out;
        }
        out.dimension = r.dimension();
        if (out.dimension > 0) out.flat = plan.expand(r.rows(), out.dimension);
        return out;
    }

  private:
    boost::asio::io_context ioc_;
    server::http_client http_;
    server::embeddings_client client_;
};

constexpr const char* eval_usage =
    "usage: parley eval --config FILE --cases FILE [--json] [--threshold T] [--clarify-margin M]\n"
    "                   [--model FILE.onnx [--vocab FILE]]\n"
    "                   [--embed-url URL [--embed-model NAME] [--embed-batch N]]\n"
    "                   [--calibration JSON] [--show-errors]\n"
    "                   [--rerank-url URL [--rerank-model NAME] [--rerank-weight W]\n"
    "                    [--rerank-calibration JSON]]\n"
    "  --model      embed documents and cases with the student encoder in process\n"
    "               (vocabulary: the model path with .vocab unless --vocab)\n"
    "  --embed-url  embed them with an OpenAI-compatible /v1/embeddings server;\n"
    "               documents go N per request (default 32), each case alone, as a\n"
    "               shopper's message would\n"
    "  --calibration  vector-mode coefficients to use instead of the model's\n"
    "  --show-errors  print every case answered wrong (before the JSON line)\n"
    "  --rerank-url   as `parley serve --rerank-url`: a case the bot falls back on\n"
    "               or asks \"Did you mean…?\" is answered again in the space of the\n"
    "               student joined with that server's model (--rerank-weight: the\n"
    "               latter's share, default 0.7; 1: that model alone), and the\n"
    "               second reply is kept by the server's rule\n"
    "  Latencies include embedding the message; index building and document\n"
    "  embedding are reported apart.\n";

}  // namespace

int run_eval(const std::vector<std::string>& args) {
    std::string config_path, cases_path, model_path, vocab_path, calibration_text;
    server::embeddings_endpoint endpoint, rerank_endpoint;
    std::string rerank_calibration_text;
    float rerank_weight = server::rerank_settings{}.weight;
    std::size_t embed_batch = 32;
    bool json_only = false, usage_error = false, show_errors = false;
    double threshold = -1, clarify_margin = -1;
    for (std::size_t i = 0; i < args.size() && !usage_error; ++i) {
        const bool has_value = i + 1 < args.size();
        if (args[i] == "--config" && has_value)
            config_path = args[++i];
        else if (args[i] == "--cases" && has_value)
            cases_path = args[++i];
        else if (args[i] == "--json")
            json_only = true;
        else if (args[i] == "--show-errors")
            show_errors = true;
        else if (args[i] == "--threshold" && has_value)
            threshold = std::stod(args[++i]);
        else if (args[i] == "--clarify-margin" && has_value)
            clarify_margin = std::stod(args[++i]);
        else if (args[i] == "--model" && has_value)
            model_path = args[++i];
        else if (args[i] == "--vocab" && has_value)
            vocab_path = args[++i];
        else if (args[i] == "--embed-url" && has_value)
            endpoint.url = args[++i];
        else if (args[i] == "--embed-model" && has_value)
            endpoint.model = args[++i];
        else if (args[i] == "--embed-batch" && has_value)
            embed_batch = static_cast<std::size_t>(std::max(1, std::stoi(args[++i])));
        else if (args[i] == "--calibration" && has_value)
            calibration_text = args[++i];
        else if (args[i] == "--rerank-url" && has_value)
            rerank_endpoint.url = args[++i];
        else if (args[i] == "--rerank-model" && has_value)
            rerank_endpoint.model = args[++i];
        else if (args[i] == "--rerank-weight" && has_value)
            rerank_weight = std::stof(args[++i]);
        else if (args[i] == "--rerank-calibration" && has_value)
            rerank_calibration_text = args[++i];
        else
            usage_error = true;
    }
    if (!(rerank_weight >= 0.0f && rerank_weight <= 1.0f)) {
        std::fprintf(stderr, "parley eval: --rerank-weight must be in [0, 1]\n");
        usage_error = true;
    }
    if (rerank_endpoint.url.empty() && !rerank_calibration_text.empty()) {
        std::fprintf(stderr, "parley eval: --rerank-calibration needs --rerank-url\n");
        usage_error = true;
    }
    if (!model_path.empty() && !endpoint.url.empty()) {
        std::fprintf(stderr, "parley eval: --model and --embed-url exclude each other\n");
        usage_error = true;
    }
    if (usage_error || config_path.empty() || cases_path.empty()) {
        std::fputs(eval_usage, stderr);
        return 2;
    }
    // Both calibration flags: parsed the same way, named in the error.
    std::optional<calibration> calib_override, rerank_override;
    for (auto [text, target, flag] :
         {std::tuple{&calibration_text, &calib_override, "--calibration"},
          std::tuple{&rerank_calibration_text, &rerank_override, "--rerank-calibration"}}) {
        if (text->empty()) continue;
        try {
            *target = parse_calibration(*text);
        } catch (const std::invalid_argument& e) {
            std::fprintf(stderr, "parley eval: %s: %s\n", flag, e.what());
            return 2;
        }
    }
    const calibration rerank_calib = rerank_override.value_or(server::rerank_settings{}.calib);
    std::shared_ptr<const sentence_encoder> student;
    double model_load_ms = 0;
    if (!model_path.empty()) {
        const auto t0 = std::chrono::steady_clock::now();
        try {
            student = server::load_student(model_path, vocab_path);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "parley eval: %s\n", e.what());
            return 1;
        }
        model_load_ms = ms_since(t0);
    }
    std::optional<url_embedder> remote, large;
    for (auto [target, at, flag] : {std::tuple{&remote, &endpoint, "--embed-url"},
                                    std::tuple{&large, &rerank_endpoint, "--rerank-url"}}) {
        if (at->url.empty()) continue;
        if (!server::parse_url(server::embeddings_url(at->url))) {
            std::fprintf(stderr, "parley eval: %s must be an http:// or https:// URL\n", flag);
            return 2;
        }
        target->emplace(*at);
    }
    config cfg;
    try {
        cfg = parse_config(read_file(config_path));
    } catch (const config_error& e) {
        std::fprintf(stderr, "config error in %s: %s\n", config_path.c_str(), e.what());
        return 1;
    }
    if (threshold >= 0) cfg.handoff.confidence_threshold = threshold;
    if (clarify_margin >= 0) cfg.handoff.clarify_margin = clarify_margin;
    // Handoff on repeated fallbacks would hide what the bot decided; each case is one turn anyway.
    const auto build_start = std::chrono::steady_clock::now();
    dialog_engine engine(std::move(cfg));
    const double build_ms = ms_since(build_start);

    // Document vectors: built once per config, like the index (excluded from
    // the per-message latency, reported apart).
    double documents_ms = 0;
    std::size_t documents_embedded = 0;
    std::vector<float> student_documents;  // documents() order, for the re-rank engine
    std::string vectors = "none";
    if (student || remote) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto plan = engine.index().embedding_plan();
        documents_embedded = plan.embed.size();
        if (student) {
            vectors = "student";
            student_documents = server::embed_documents(*student, engine.index());
            student->attach_documents(engine, student_documents);
        } else {
            vectors = "url";
            const auto r = remote->documents(engine.index(), embed_batch);
            if (!r.error.empty()) {
                std::fprintf(stderr, "parley eval: embedding the documents failed: %s\n",
                             r.error.c_str());
                return 1;
            }
            if (r.dimension > 0) engine.index().set_document_embeddings(r.flat, r.dimension);
        }
        documents_ms = ms_since(t0);
        if (calib_override) engine.index().set_vector_calibration(*calib_override);
    }
    // The re-rank engine, as `parley serve --rerank-url` builds it: a copy of
    // the shop's engine whose vectors are the large model's, joined with the
    // student's when there is one (and its weight is below 1).
    std::optional<dialog_engine> large_engine;
    const bool joint = large && student && rerank_weight < 1.0f;
    if (large) {
        const auto r = large->documents(engine.index(), embed_batch);
        if (!r.error.empty()) {
            std::fprintf(stderr, "parley eval: the re-rank model failed on the documents: %s\n",
                         r.error.c_str());
            return 1;
        }
        large_engine.emplace(engine);
        server::attach_rerank_vectors(
            *large_engine, r.flat, r.dimension,
            joint ? std::span<const float>(student_documents) : std::span<const float>(),
            joint ? student->dimension() : 0, rerank_weight, rerank_calib);
    }
    std::size_t reranked = 0, rerank_kept = 0;

    std::istringstream lines(read_file(cases_path));
    std::string line;
    std::size_t cases = 0, in_scope = 0, in_scope_right = 0, oos = 0, oos_fallback = 0,
                fallbacks = 0, clarify = 0, line_no = 0;
    std::vector<double> latencies, embed_latencies;
    while (std::getline(lines, line)) {
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        nlohmann::json c;
        try {
            c = nlohmann::json::parse(line);
        } catch (const nlohmann::json::parse_error& e) {
            std::fprintf(stderr, "%s:%zu: invalid JSON: %s\n", cases_path.c_str(), line_no,
                         e.what());
            return 1;
        }
        if (!c.is_object() || !c.contains("text") || !c["text"].is_string() ||
            !c.contains("expect") || !(c["expect"].is_string() || c["expect"].is_null())) {
            std::fprintf(stderr,
                         "%s:%zu: expected {\"text\": string, \"expect\": string or null}\n",
                         cases_path.c_str(), line_no);
            return 1;
        }
        const std::string text = c["text"].get<std::string>();
        const bool expect_oos = c["expect"].is_null();
        session s;
        s.lang = engine.settings().shop.locale;
        const auto t0 = std::chrono::steady_clock::now();
        std::vector<float> embedding;
        float frustration = -1.0f;  // no model score
        if (student) {
            auto e = student->embed(engine.analysis_text(text));
            embedding = std::move(e.embedding);
            frustration = e.frustration;
        } else if (remote) {
            auto e = remote->run({engine.analysis_text(text)}, 1);
            if (!e.ok()) {
                std::fprintf(stderr, "parley eval: %s:%zu: embedding failed: %s\n",
                             cases_path.c_str(), line_no, e.error.c_str());
                return 1;
            }
            embedding = std::move(e.vectors.front());
        }
        if (student || remote) embed_latencies.push_back(ms_since(t0));
        reply r = engine.respond(s, text, embedding, frustration);
        if (large_engine && server::reranker::wants(r)) {
            ++reranked;
            auto e = large->run({engine.analysis_text(text)}, 1);
            if (!e.ok()) {
                std::fprintf(stderr, "parley eval: %s:%zu: the re-rank model failed: %s\n",
                             cases_path.c_str(), line_no, e.error.c_str());
                return 1;
            }
            const auto query = server::rerank_query(
                joint ? std::span<const float>(embedding) : std::span<const float>(),
                std::move(e.vectors.front()), rerank_weight);
            session again;
            again.lang = engine.settings().shop.locale;
            reply second = large_engine->respond(again, text, query, frustration);
            if (server::reranker::prefer(r, second,
                                         engine.settings().handoff.confidence_threshold)) {
                ++rerank_kept;
                r = std::move(second);
            }
        }
        latencies.push_back(ms_since(t0));
        const bool fell_back = r.kind == reply_kind::fallback || r.kind == reply_kind::handoff;
        ++cases;
        fallbacks += fell_back;
        clarify += r.kind == reply_kind::clarify;
        if (expect_oos) {
            ++oos;
            oos_fallback += fell_back;
        } else {
            ++in_scope;
            in_scope_right +=
                r.kind == reply_kind::answer && r.item_id == c["expect"].get<std::string>();
        }
        const bool right = expect_oos ? fell_back
                                      : r.kind == reply_kind::answer &&
                                            r.item_id == c["expect"].get<std::string>();
        if (show_errors && !right)
            std::printf("wrong      %s: expected %s, got %s %s (confidence %.3f)\n",
                        nlohmann::json(text).dump().c_str(),
                        expect_oos ? "a fallback" : c["expect"].get<std::string>().c_str(),
                        std::string(reply_kind_name(r.kind)).c_str(), r.item_id.c_str(),
                        r.confidence);
    }
    auto ratio = [](std::size_t a, std::size_t b) {
        return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
    };
    nlohmann::json out;
    out["cases"] = cases;
    out["in_scope_top1"] = ratio(in_scope_right, in_scope);
    out["oos_recall"] = ratio(oos_fallback, oos);
    out["oos_precision"] = ratio(oos_fallback, fallbacks);
    out["p50_ms"] = percentile(latencies, 0.50);
    out["p99_ms"] = percentile(latencies, 0.99);
    out["in_scope"] = in_scope;
    out["oos"] = oos;
    out["fallbacks"] = fallbacks;
    out["clarify"] = clarify;
    out["threshold"] = engine.settings().handoff.confidence_threshold;
    out["index_build_ms"] = build_ms;
    out["vectors"] = vectors;
    if (vectors != "none") {
        out["model"] = student ? model_path : endpoint.url;
        out["embed_p50_ms"] = percentile(embed_latencies, 0.50);
        out["embed_p99_ms"] = percentile(embed_latencies, 0.99);
        out["documents_embedded"] = documents_embedded;
        out["document_embedding_ms"] = documents_ms;
        out["calibration"] = calib_override                     ? "given"
                             : student && student->calibrated() ? "model"
                                                                : "default";
    }
    if (student) out["model_load_ms"] = model_load_ms;
    if (large) {
        out["rerank_url"] = rerank_endpoint.url;
        out["rerank_space"] = joint ? "joint" : "large model";
        if (joint) out["rerank_weight"] = std::round(rerank_weight * 1000.0) / 1000.0;
        out["reranked"] = reranked;
        out["rerank_kept"] = rerank_kept;
    }
    if (!json_only) {
        std::printf(
            "config     %s (%zu FAQs)\ncases      %s (%zu: %zu in scope, %zu out of scope)\n",
            config_path.c_str(), engine.settings().faqs.size(), cases_path.c_str(), cases, in_scope,
            oos);
        std::printf(
            "in scope   top-1 %.4f\nout/scope  recall %.4f, precision %.4f\nclarify    %zu\n",
            ratio(in_scope_right, in_scope), ratio(oos_fallback, oos),
            ratio(oos_fallback, fallbacks), clarify);
        std::printf("latency    p50 %.3f ms, p99 %.3f ms (index build %.1f ms, excluded)\n",
                    percentile(latencies, 0.5), percentile(latencies, 0.99), build_ms);
        if (vectors != "none")
            std::printf(
                "vectors    %s (%s): embedding p50 %.3f ms, p99 %.3f ms of the above; %zu "
                "documents in %.1f ms (excluded)\n",
                vectors.c_str(), (student ? model_path : endpoint.url).c_str(),
                percentile(embed_latencies, 0.5), percentile(embed_latencies, 0.99),
                documents_embedded, documents_ms);
    }
    std::printf("%s\n", out.dump().c_str());
    return 0;
}

}  // namespace parley
