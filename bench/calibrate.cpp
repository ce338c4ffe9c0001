// Fits the retriever's confidence calibration on the TRAINING configs only
// (never on eval cases): each config is split deterministically into indexed
// questions, held-out questions of indexed FAQs (in scope) and every question
// of held-out FAQs (out of scope). A logistic regression maps the retrieval
// features to P(top answer is right). Prints the coefficients to paste into
// calibration{} and the held-out accuracy of each retrieval variant.
//
// The shipped default threshold (0.15) is the one that maximizes the share of
// right outcomes on this split for traffic that is 80% in scope and 20% out
// of scope (0.8 * answered-right + 0.2 * OOS recall), the mix DESIGN.md's
// "AI handles the repetitive ~80%" describes. Run on the ship-train configs:
//   clinc150/config_val banking77/config_dev hwu64/config_valid bitext_cs/config_holdout20
//
//   calibrate [--decay D] [--no-stem] [--keep-stopwords] CONFIG...
//
// Vector mode: with --model FILE.onnx [--vocab FILE] (the student, in
// process) or --embed-url URL [--embed-model NAME] [--embed-batch N] (any
// OpenAI-compatible /v1/embeddings server) every indexed question and every
// query is embedded too, and the coefficients of retriever_options::
// vector_calib are fitted on the same split, the top item's cosine joining
// the features. The last line is then the JSON object that
// models/set_calibration.py stores in the model file (`parley.calibration`).
// --margin-scale S fixes the fused margins' scale instead of matching BM25's
// "Did you mean…?" share (which differs by language and by questions per FAQ).
// --vector-weight W, --centroid-weight W and --centroid-questions N set the
// retriever_options of the same names (the shipped defaults otherwise).
// --cache FILE keeps the vectors between runs (texts not in it are embedded
// and added), as a large model over HTTP takes minutes for the 30k texts.
// --model and --embed-url together, with --joint-weight W, fit the server's
// re-rank engine: the student's vectors joined with the URL model's
// (parley/joint_embedding.hpp), W the URL model's share of each cosine.
// --write-split DIR writes each config's split for `parley eval`.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "embeddings_client.hpp"
#include "parley/config.hpp"
#include "parley/joint_embedding.hpp"
#include "parley/pii.hpp"
#include "parley/retriever.hpp"
#include "parley/sentence_encoder.hpp"
#include "parley/text.hpp"
#include "student_model.hpp"

using namespace parley;

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::uint64_t fnv1a(std::string_view s) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
}

struct example {
    std::vector<float> x;  // lexical, margin, coverage, log-length[, cosine]
    int in_scope = 0;
    int correct = 0;
    float raw_margin = 0;      // vector mode: the fused margin before margin_scale
    float lexical_margin = 0;  // vector mode: the margin of BM25 alone
    // Vector mode, what retriever::query does around the vector calibration:
    // an English query BM25 alone is sure of keeps BM25's answer and
    // confidence (`lexical_decides`; such a query says nothing about the
    // vector coefficients, so it stays out of their fit), and where BM25
    // picks the fused top item its confidence is a floor (`lexical_floor`).
    bool lexical_decides = false;
    float lexical_floor = 0;
};

std::vector<float> features(const retrieval_result& r, bool vectors) {
    std::vector<float> x;
    if (r.ranked.empty())
        x = {0, 0, 0, std::log1p(static_cast<float>(r.tokens.size()))};
    else
        x = {std::min(r.ranked[0].lexical, 1.5f), r.margin, r.coverage,
             std::log1p(static_cast<float>(r.tokens.size()))};
    if (vectors) x.push_back(r.ranked.empty() ? 0.0f : std::max(r.ranked[0].cosine, 0.0f));
    return x;
}

double predict(const std::vector<double>& w, const std::vector<float>& x) {
    double z = w.back();
    for (std::size_t j = 0; j < x.size(); ++j) z += w[j] * x[j];
    return 1.0 / (1.0 + std::exp(-z));
}

// The maximum-likelihood fit by Newton's method (a few features: the exact
// optimum in a dozen steps, where gradient descent crawls along the nearly
// collinear bias and cosine of models whose cosines sit in a narrow band).
// A tiny ridge keeps the Hessian invertible.
std::vector<double> fit_newton(const std::vector<example>& examples, std::size_t dims) {
    const std::size_t n = dims + 1;
    std::vector<double> w(n, 0.0);
    for (int iter = 0; iter < 50; ++iter) {
        std::vector<double> grad(n, 0.0), hess(n * n, 0.0);
        for (const auto& e : examples) {
            const double p = predict(w, e.x);
            const double err = p - e.correct, curv = std::max(p * (1 - p), 1e-9);
            for (std::size_t a = 0; a < n; ++a) {
                const double xa = a < dims ? e.x[a] : 1.0;
                grad[a] += err * xa;
                for (std::size_t b = 0; b < n; ++b)
                    hess[a * n + b] += curv * xa * (b < dims ? e.x[b] : 1.0);
            }
        }
        for (std::size_t a = 0; a < n; ++a) hess[a * n + a] += 1e-4 * examples.size() / 1000.0;
        // Solve hess * step = grad (Gauss-Jordan with partial pivoting).
        std::vector<double> step = grad;
        for (std::size_t c = 0; c < n; ++c) {
            std::size_t pivot = c;
            for (std::size_t r = c + 1; r < n; ++r)
                if (std::abs(hess[r * n + c]) > std::abs(hess[pivot * n + c])) pivot = r;
            for (std::size_t k = 0; k < n; ++k) std::swap(hess[c * n + k], hess[pivot * n + k]);
            std::swap(step[c], step[pivot]);
            const double d = hess[c * n + c];
            for (std::size_t k = 0; k < n; ++k) hess[c * n + k] /= d;
            step[c] /= d;
            for (std::size_t r = 0; r < n; ++r) {
                if (r == c) continue;
                const double f = hess[r * n + c];
                for (std::size_t k = 0; k < n; ++k) hess[r * n + k] -= f * hess[c * n + k];
                step[r] -= f * step[c];
            }
        }
        double change = 0;
        for (std::size_t a = 0; a < n; ++a) w[a] -= step[a], change += std::abs(step[a]);
        if (change < 1e-7) break;
    }
    return w;
}

// Logistic regression by batch gradient descent: the fit the shipped BM25
// coefficients came from, kept so that they reproduce.
std::vector<double> fit_gradient(const std::vector<example>& examples, std::size_t dims) {
    std::vector<double> w(dims + 1, 0.0);
    for (int iter = 0; iter < 4000; ++iter) {
        std::vector<double> grad(dims + 1, 0.0);
        for (const auto& e : examples) {
            const double err = predict(w, e.x) - e.correct;
            for (std::size_t j = 0; j < dims; ++j) grad[j] += err * e.x[j];
            grad[dims] += err;
        }
        for (std::size_t j = 0; j <= dims; ++j) w[j] -= 0.5 * grad[j] / examples.size();
    }
    return w;
}

struct split {
    config indexed;
    std::vector<std::pair<std::string, std::string>> queries;  // analysed text, expected id
};

// --write-split DIR: each config's split as `parley eval` reads it, so that
// whole reply paths (the server's re-rank, say) can be measured on it too:
// DIR/NAME.config.json (the indexed questions) and DIR/NAME.cases.jsonl.
void write_split(const std::string& dir, const std::string& path, const config& indexed,
                 const std::vector<std::pair<std::string, std::string>>& queries) {
    auto j = nlohmann::json::parse(read_file(path));
    nlohmann::json faqs = nlohmann::json::array();
    for (const auto& f : j.at("faqs")) {
        const auto id = f.at("id").get<std::string>();
        const auto kept = std::find_if(indexed.faqs.begin(), indexed.faqs.end(),
                                       [&](const faq& k) { return k.id == id; });
        if (kept == indexed.faqs.end()) continue;
        auto copy = f;
        copy["questions"] = kept->questions;
        faqs.push_back(std::move(copy));
    }
    j["faqs"] = std::move(faqs);
    auto name = path.substr(path.find_last_of('/') + 1);
    name = name.substr(0, name.rfind('.'));
    const auto parent = path.substr(0, path.find_last_of('/'));
    name = parent.substr(parent.find_last_of('/') + 1) + "_" + name;
    std::ofstream(dir + "/" + name + ".config.json") << j.dump(1) << "\n";
    std::ofstream cases(dir + "/" + name + ".cases.jsonl");
    for (const auto& [text, expect] : queries)
        cases << nlohmann::json{{"text", text},
                                {"expect",
                                 expect.empty() ? nlohmann::json() : nlohmann::json(expect)}}
                     .dump()
              << "\n";
}

std::string analysed(const std::string& text, const config& cfg) {
    return normalize(mask_pii(normalize(text), cfg.pii).masked);
}

// The cache file: per text, u32 length, the bytes, u32 dimension, floats.
std::unordered_map<std::string, std::vector<float>> read_cache(const std::string& path) {
    std::unordered_map<std::string, std::vector<float>> out;
    std::ifstream in(path, std::ios::binary);
    std::uint32_t n = 0, d = 0;
    while (in.read(reinterpret_cast<char*>(&n), 4)) {
        std::string text(n, '\0');
        in.read(text.data(), n);
        in.read(reinterpret_cast<char*>(&d), 4);
        std::vector<float> v(d);
        in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(d * 4));
        if (!in) break;
        out[text] = std::move(v);
    }
    return out;
}

void append_cache(const std::string& path, const std::vector<std::string>& texts,
                  const std::vector<float>& rows, std::size_t dim) {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    for (std::size_t i = 0; i < texts.size(); ++i) {
        const auto n = static_cast<std::uint32_t>(texts[i].size());
        const auto d = static_cast<std::uint32_t>(dim);
        out.write(reinterpret_cast<const char*>(&n), 4);
        out.write(texts[i].data(), n);
        out.write(reinterpret_cast<const char*>(&d), 4);
        out.write(reinterpret_cast<const char*>(rows.data() + i * dim),
                  static_cast<std::streamsize>(dim * 4));
    }
}

}  // namespace

int main(int argc, char** argv) {
    retriever_options options;
    std::vector<std::string> paths;
    std::string model_path, vocab_path, cache_path, split_dir;
    server::embeddings_endpoint endpoint;
    std::size_t embed_batch = 32;
    std::size_t index_questions = static_cast<std::size_t>(-1);
    float fixed_margin_scale = 0.0f;  // > 0: use it instead of matching BM25's clarify share
    float joint_weight = -1.0f;       // >= 0: the student joined with the URL model
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--decay" && i + 1 < argc)
            options.sibling_decay = std::stof(argv[++i]);
        else if (a == "--no-stem")
            options.tokens.stem = false;
        else if (a == "--keep-stopwords")
            options.tokens.drop_stopwords = false;
        else if (a == "--answer-weight" && i + 1 < argc)
            options.answer_weight = std::stof(argv[++i]);
        else if (a == "--model" && i + 1 < argc)
            model_path = argv[++i];
        else if (a == "--vocab" && i + 1 < argc)
            vocab_path = argv[++i];
        else if (a == "--embed-url" && i + 1 < argc)
            endpoint.url = argv[++i];
        else if (a == "--embed-model" && i + 1 < argc)
            endpoint.model = argv[++i];
        else if (a == "--index-questions" && i + 1 < argc)
            index_questions = static_cast<std::size_t>(std::max(1, std::stoi(argv[++i])));
        else if (a == "--vector-weight" && i + 1 < argc)
            options.vector_weight = std::stof(argv[++i]);
        else if (a == "--centroid-weight" && i + 1 < argc)
            options.centroid_weight = std::stof(argv[++i]);
        else if (a == "--centroid-questions" && i + 1 < argc)
            options.centroid_questions = std::stof(argv[++i]);
        else if (a == "--margin-scale" && i + 1 < argc)
            fixed_margin_scale = std::stof(argv[++i]);
        else if (a == "--cache" && i + 1 < argc)
            cache_path = argv[++i];
        else if (a == "--embed-batch" && i + 1 < argc)
            embed_batch = static_cast<std::size_t>(std::max(1, std::stoi(argv[++i])));
        else if (a == "--write-split" && i + 1 < argc)
            split_dir = argv[++i];
        else if (a == "--joint-weight" && i + 1 < argc)
            joint_weight = std::stof(argv[++i]);
        else
            paths.push_back(a);
    }
    if (joint_weight >= 0.0f &&
        (model_path.empty() || endpoint.url.empty() || joint_weight > 1.0f)) {
        std::fprintf(stderr,
                     "calibrate: --joint-weight W (0..1) needs both --model and --embed-url\n");
        return 2;
    }
    if (joint_weight < 0.0f && !model_path.empty() && !endpoint.url.empty()) {
        std::fprintf(stderr, "calibrate: --model and --embed-url together need --joint-weight\n");
        return 2;
    }
    const bool vectors = !model_path.empty() || !endpoint.url.empty();
    std::vector<config> all;
    for (const auto& path : paths) all.push_back(parse_config(read_file(path)));
    std::vector<split> splits;
    for (std::size_t which = 0; which < paths.size(); ++which) {
        const config& full = all[which];
        split sp;
        sp.indexed = full;
        sp.indexed.faqs.clear();
        std::vector<std::pair<std::string, std::string>> queries;  // text, expected id ("" = OOS)
        for (const auto& f : full.faqs) {
            // models/train_student.py (calibration_held_out) keeps exactly these
            // questions out of the student's training: change both together.
            const bool oos = fnv1a(f.id) % 5 == 0;  // 20% of FAQs held out entirely
            faq kept = f;
            kept.questions.clear();
            for (std::size_t q = 0; q < f.questions.size(); ++q) {
                const bool held = oos || fnv1a(f.questions[q]) % 5 == 0;
                if (held)
                    queries.push_back({f.questions[q], oos ? "" : f.id});
                else
                    kept.questions.push_back(f.questions[q]);
            }
            // Shops write a handful of questions per FAQ, the datasets ~100:
            // --index-questions K indexes at most K, as a shop would.
            if (kept.questions.size() > index_questions) kept.questions.resize(index_questions);
            if (!oos && !kept.questions.empty()) sp.indexed.faqs.push_back(kept);
        }
        // Out-of-domain queries: questions of the other training configs, as
        // real out-of-scope traffic is mostly about something else entirely.
        for (std::size_t other = 0; other < all.size(); ++other) {
            if (other == which) continue;
            std::size_t taken = 0;
            for (const auto& f : all[other].faqs)
                for (const auto& q : f.questions)
                    if (fnv1a(q) % 97 == 0 && taken++ < 150) queries.push_back({q, ""});
        }
        std::vector<std::pair<std::string, std::string>> raw;  // as written, for --write-split
        for (std::size_t i = 0; i < queries.size(); i += 1 + queries.size() / 4000) {
            sp.queries.push_back({analysed(queries[i].first, sp.indexed), queries[i].second});
            raw.push_back(queries[i]);
        }
        if (!split_dir.empty()) write_split(split_dir, paths[which], sp.indexed, raw);
        splits.push_back(std::move(sp));
    }

    // Vector mode: every distinct text (indexed questions and queries of all
    // splits) is embedded once.
    std::vector<retriever> indexes;
    for (const auto& sp : splits) indexes.push_back(retriever::build(sp.indexed, options));
    std::unordered_map<std::string, std::size_t> row_of;
    std::vector<float> rows;
    std::size_t dim = 0;
    calibration vector_defaults = default_vector_calibration();
    if (vectors) {
        std::vector<std::string> texts;
        auto want = [&](const std::string& t) {
            if (row_of.emplace(t, texts.size()).second) texts.push_back(t);
        };
        for (std::size_t s = 0; s < splits.size(); ++s) {
            for (auto d : indexes[s].embedding_plan().embed) want(indexes[s].documents()[d].text);
            for (const auto& q : splits[s].queries) want(q.first);
        }
        const auto t0 = std::chrono::steady_clock::now();
        // One model's vectors of `texts`, in that order. With a joint space
        // the cache holds the URL model's (the student embeds fast enough).
        auto embed_all = [&](bool with_student, const std::string& cache,
                             std::size_t& out_dim) -> std::optional<std::vector<float>> {
            auto cached = cache.empty() ? std::unordered_map<std::string, std::vector<float>>{}
                                        : read_cache(cache);
            std::vector<std::string> missing;
            for (const auto& t : texts)
                if (!cached.count(t)) missing.push_back(t);
            std::vector<float> fresh;
            std::size_t d = 0;
            if (with_student) {
                const auto student = server::load_student(model_path, vocab_path);
                d = student->dimension();
                fresh = server::embed_texts(*student, missing);
                if (student->calibrated())
                    std::printf("(the model already carries a calibration; it is refitted here)\n");
            } else if (!missing.empty()) {
                auto r = server::embed_blocking(endpoint, missing, embed_batch,
                                                std::chrono::seconds(300));
                if (!r.ok()) {
                    std::fprintf(stderr, "calibrate: %s\n", r.error.c_str());
                    return std::nullopt;
                }
                d = r.vectors.empty() ? 0 : r.vectors.front().size();
                for (const auto& v : r.vectors) fresh.insert(fresh.end(), v.begin(), v.end());
            }
            if (d == 0 && !cached.empty()) d = cached.begin()->second.size();
            if (!cache.empty() && !missing.empty()) append_cache(cache, missing, fresh, d);
            for (std::size_t i = 0; i < missing.size(); ++i)
                cached[missing[i]].assign(fresh.begin() + static_cast<std::ptrdiff_t>(i * d),
                                          fresh.begin() + static_cast<std::ptrdiff_t>((i + 1) * d));
            std::vector<float> out;
            out.reserve(texts.size() * d);
            for (const auto& t : texts) {
                const auto& v = cached.at(t);
                if (v.size() != d) {
                    std::fprintf(stderr, "calibrate: the cache holds vectors of another model\n");
                    return std::nullopt;
                }
                out.insert(out.end(), v.begin(), v.end());
            }
            std::printf(
                "embedded %zu texts (%zu-d; %zu from the cache) with %s in %.1f s\n", texts.size(),
                d, texts.size() - missing.size(),
                with_student ? model_path.c_str() : endpoint.url.c_str(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
            out_dim = d;
            return out;
        };
        const bool with_student = !model_path.empty();
        auto first =
            embed_all(with_student, joint_weight >= 0.0f ? std::string() : cache_path, dim);
        if (!first) return 1;
        rows = std::move(*first);
        if (joint_weight >= 0.0f) {
            // The re-rank engine's space: the student joined with the URL model.
            std::size_t url_dim = 0;
            auto second = embed_all(false, cache_path, url_dim);
            if (!second) return 1;
            rows = join_embedding_rows(rows, dim, *second, url_dim, joint_weight);
            dim += url_dim;
            std::printf("joint vectors: student and %s, the latter's share %.2f (%zu-d)\n",
                        endpoint.url.c_str(), joint_weight, dim);
        }
    }
    auto vector_of = [&](const std::string& t) {
        return std::span<const float>(rows).subspan(row_of.at(t) * dim, dim);
    };

    std::vector<example> examples;
    for (std::size_t which = 0; which < paths.size(); ++which) {
        retriever& r = indexes[which];
        if (vectors) {
            const auto plan = r.embedding_plan();
            std::vector<float> planned;
            planned.reserve(plan.embed.size() * dim);
            for (auto d : plan.embed) {
                const auto v = vector_of(r.documents()[d].text);
                planned.insert(planned.end(), v.begin(), v.end());
            }
            r.set_document_embeddings(plan.expand(planned, dim), dim);
            // Raw fused margins: margin_scale is fitted below.
            calibration raw = vector_defaults;
            raw.margin_scale = 1.0f;
            r.set_vector_calibration(raw);
        }
        std::size_t in_scope = 0, top1 = 0, lexical_top1 = 0;
        for (const auto& [text, expect] : splits[which].queries) {
            const auto res = vectors ? r.query(text, vector_of(text)) : r.query(text);
            example e{features(res, vectors), !expect.empty(), 0, res.margin, 0};
            e.correct = !expect.empty() && !res.ranked.empty() &&
                        r.items()[res.ranked[0].item].id == expect;
            in_scope += e.in_scope;
            top1 += e.correct;
            if (vectors) {
                const auto lex = r.query(text);
                e.lexical_margin = lex.margin;
                if (!expect.empty())
                    lexical_top1 +=
                        !lex.ranked.empty() && r.items()[lex.ranked[0].item].id == expect;
                e.lexical_decides = lexical_answer_stands(lex, text);
                if (e.lexical_decides) {
                    e.lexical_floor = lex.confidence;
                } else if (!lex.ranked.empty() && !res.ranked.empty() &&
                           lex.ranked[0].item == res.ranked[0].item) {
                    e.lexical_floor = lex.confidence;
                    // res.margin is already max(fused, BM25's): the raw fused
                    // margin is what margin_scale multiplies.
                    e.raw_margin =
                        res.ranked.size() > 1 && res.ranked[0].score > 0.0f
                            ? (res.ranked[0].score - res.ranked[1].score) / res.ranked[0].score
                            : (res.ranked.size() == 1 ? 1.0f : 0.0f);
                }
            }
            examples.push_back(e);
        }
        std::printf("%s: held-out in-scope top1 %.4f (%zu queries)", paths[which].c_str(),
                    in_scope ? double(top1) / in_scope : 0.0, in_scope);
        if (vectors)
            std::printf(", BM25 alone %.4f", in_scope ? double(lexical_top1) / in_scope : 0.0);
        std::printf("\n");
    }
    // Vector mode: the margin scale that makes "Did you mean…?" (margin under
    // the default clarify_margin, 0.04) as frequent among in-scope queries as
    // with BM25 alone, by matching quantiles of the two margin distributions.
    float margin_scale = 1.0f;
    constexpr float clarify_margin = 0.04f;
    if (vectors) {
        std::vector<float> fused;
        std::size_t lexical_narrow = 0;
        for (const auto& e : examples) {
            if (!e.in_scope) continue;
            fused.push_back(e.raw_margin);
            lexical_narrow += e.lexical_margin < clarify_margin;
        }
        std::sort(fused.begin(), fused.end());
        const double share = fused.empty() ? 0.0 : double(lexical_narrow) / fused.size();
        const float q =
            fused.empty()
                ? 0.0f
                : fused[std::min(fused.size() - 1, static_cast<std::size_t>(share * fused.size()))];
        if (q > 0.0f) margin_scale = std::clamp(clarify_margin / q, 1.0f, 100.0f);
        if (fixed_margin_scale > 0.0f) margin_scale = fixed_margin_scale;
        for (auto& e : examples) e.x[1] = std::min(e.raw_margin * margin_scale, 1.0f);
        std::printf(
            "clarify share with BM25 alone %.4f; fused margins x %.3f (raw fused: "
            "%.4f)\n",
            share, margin_scale,
            fused.empty() ? 0.0
                          : double(std::lower_bound(fused.begin(), fused.end(), clarify_margin) -
                                   fused.begin()) /
                                fused.size());
    }
    const std::size_t dims = examples.empty() ? 0 : examples[0].x.size();
    std::vector<example> decided_by_vectors;
    for (const auto& e : examples)
        if (!e.lexical_decides) decided_by_vectors.push_back(e);
    if (vectors)
        std::printf("BM25 alone decides %zu of %zu queries; the vector fit takes the rest\n",
                    examples.size() - decided_by_vectors.size(), examples.size());
    const std::vector<double> w =
        vectors ? fit_newton(decided_by_vectors, dims) : fit_gradient(examples, dims);
    calibration fitted;
    fitted.bias = static_cast<float>(w[dims]);
    fitted.w_lexical = static_cast<float>(w[0]);
    fitted.w_margin = static_cast<float>(w[1]);
    fitted.w_coverage = static_cast<float>(w[2]);
    fitted.w_length = static_cast<float>(w[3]);
    fitted.w_cosine = vectors ? static_cast<float>(w[4]) : 0.0f;
    fitted.margin_scale = margin_scale;
    if (vectors)
        std::printf(
            "calibration: bias %.3f lexical %.3f margin %.3f coverage %.3f length %.3f cosine "
            "%.3f margin_scale %.3f\n",
            w[dims], w[0], w[1], w[2], w[3], w[4], margin_scale);
    else
        std::printf("calibration: bias %.3f lexical %.3f margin %.3f coverage %.3f length %.3f\n",
                    w[dims], w[0], w[1], w[2], w[3]);
    // `scale`: the margin scale the coefficients go with (vector mode).
    auto table = [&](const std::vector<double>& coef, float scale) {
        for (double t : {0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5}) {
            std::size_t in = 0, answered_right = 0, oos = 0, oos_fallback = 0;
            for (const auto& e : examples) {
                auto x = e.x;
                if (vectors) x[1] = std::min(e.raw_margin * scale, 1.0f);
                const double confidence = e.lexical_decides
                                              ? e.lexical_floor
                                              : std::max<double>(predict(coef, x), e.lexical_floor);
                const bool answer = confidence >= t;
                if (e.in_scope)
                    ++in, answered_right += answer && e.correct;
                else
                    ++oos, oos_fallback += !answer;
            }
            const double right = in ? double(answered_right) / in : 0.0;
            const double recall = oos ? double(oos_fallback) / oos : 0.0;
            std::printf("  threshold %.2f: in-scope answered right %.4f, oos recall %.4f", t, right,
                        recall);
            if (vectors) std::printf(", 0.8/0.2 mix %.4f", 0.8 * right + 0.2 * recall);
            std::printf("\n");
        }
    };
    table(w, margin_scale);
    if (vectors) {
        // The coefficients a model without its own would get, for comparison.
        const auto& d = vector_defaults;
        std::printf("with the built-in default_vector_calibration():\n");
        table({d.w_lexical, d.w_margin, d.w_coverage, d.w_length, d.w_cosine, d.bias},
              d.margin_scale);
        std::printf("%s\n", calibration_json(fitted).c_str());
    }
}
