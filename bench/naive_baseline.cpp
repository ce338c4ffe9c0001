// The named baseline Parley has to beat: a plain BM25 (k1 = 1.2, b = 0.75)
// over lower-cased words split on whitespace and punctuation (no stemming, no
// stopwords) and, for Chinese, Han characters as unigrams plus bigrams -- the
// floor described in shared/data/README.md. Every FAQ question is a document,
// an FAQ scores as its best question, and the top FAQ is the answer.
//
// It is written self-contained on purpose (no tokenizer, normalizer or index
// from the core): an improvement in the core must show up as a gap to this
// file, not move the baseline along with it.
//
//   parley_bench_baseline --config F --cases F [--threshold T]
//   parley_bench_baseline --config F --cases F --match-oos-recall R
//
// Without a threshold the baseline falls back only when no question shares a
// token with the case. --threshold T falls back when the best raw BM25 score
// is below T. --match-oos-recall R picks T after seeing the cases (the lowest
// T whose OOS recall is at least R), so its in-scope top-1 is an ORACLE
// threshold result: an upper bound for this baseline at that OOS recall, used
// to compare with Parley at equal OOS recall. The last line is one JSON object
// with the keys of `parley eval --json`.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

constexpr float k1 = 1.2f;
constexpr float b = 0.75f;

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Decodes one UTF-8 code point; invalid bytes come back as U+FFFD, one byte
// each, so hostile input never stalls the loop.
char32_t next_code_point(std::string_view s, std::size_t& i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    if (c < 0x80) return ++i, c;
    std::size_t len = c >= 0xF0 && c < 0xF8 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (len == 0 || i + len > s.size()) return ++i, 0xFFFD;
    char32_t cp = c & (0x3F >> (len - 1));
    for (std::size_t k = 1; k < len; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return ++i, 0xFFFD;
        cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    i += len;
    return cp;
}

bool is_han(char32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FA1F);
}

// Word characters: ASCII letters and digits, and any non-ASCII code point that
// is not whitespace or punctuation (accented letters, kana, hangul). The
// Unicode punctuation blocks listed are the ones shoppers actually type.
bool is_word_char(char32_t c) {
    if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (c <= 0xBF) return false;                   // Latin-1 punctuation, NBSP
    if (c == 0xD7 || c == 0xF7) return false;      // x and division signs
    if (c >= 0x2000 && c <= 0x2BFF) return false;  // general punctuation, symbols, arrows
    if (c >= 0x3000 && c <= 0x303F) return false;  // CJK punctuation, ideographic space
    if (c >= 0xFE30 && c <= 0xFE4F) return false;  // CJK compatibility forms
    if (c >= 0xFF00 && c <= 0xFF65) return false;  // full-width punctuation (forms folded below)
    if (c == 0xFEFF || c == 0xFFFD) return false;
    return true;
}

void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (c >> 12)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (c >> 18)));
        out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
}

// Lower-cased word tokens; Han runs become characters plus adjacent bigrams.
// Full-width ASCII letters and digits are folded to ASCII so that "ＡＢＣ"
// typed on a Chinese keyboard is the word "abc"; nothing else is normalized.
std::vector<std::string> tokenize(std::string_view text) {
    std::vector<std::string> tokens;
    std::string word;
    std::vector<std::string> han;
    const auto flush_word = [&] {
        if (!word.empty()) tokens.push_back(std::move(word));
        word.clear();
    };
    const auto flush_han = [&] {
        for (const auto& ch : han) tokens.push_back(ch);
        for (std::size_t k = 0; k + 1 < han.size(); ++k) tokens.push_back(han[k] + han[k + 1]);
        han.clear();
    };
    for (std::size_t i = 0; i < text.size();) {
        char32_t c = next_code_point(text, i);
        if (c >= 0xFF10 && c <= 0xFF5A && is_word_char(c - 0xFEE0)) c -= 0xFEE0;
        if (is_han(c)) {
            flush_word();
            std::string ch;
            append_utf8(ch, c);
            han.push_back(std::move(ch));
        } else if (is_word_char(c)) {
            flush_han();
            if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
            append_utf8(word, c);
        } else {
            flush_word();
            flush_han();
        }
    }
    flush_word();
    flush_han();
    return tokens;
}

// Textbook BM25 with Lucene's non-negative idf, term-at-a-time over postings.
class bm25 {
  public:
    void add(const std::vector<std::string>& tokens) {
        const auto doc = static_cast<std::uint32_t>(length_.size());
        length_.push_back(static_cast<std::uint32_t>(tokens.size()));
        std::unordered_map<std::uint32_t, std::uint32_t> tf;
        for (const auto& t : tokens) {
            auto [it, inserted] =
                terms_.try_emplace(t, static_cast<std::uint32_t>(postings_.size()));
            if (inserted) postings_.emplace_back();
            ++tf[it->second];
        }
        for (auto [term, count] : tf) postings_[term].push_back({doc, static_cast<float>(count)});
    }

    void finish() {
        double total = 0;
        for (auto len : length_) total += len;
        average_length_ = length_.empty() ? 1.0f : static_cast<float>(total / length_.size());
        if (average_length_ <= 0) average_length_ = 1.0f;
        const auto n = static_cast<float>(length_.size());
        idf_.resize(postings_.size());
        for (std::size_t t = 0; t < postings_.size(); ++t) {
            const auto df = static_cast<float>(postings_[t].size());
            idf_[t] = std::log(1.0f + (n - df + 0.5f) / (df + 0.5f));
        }
        scores_.assign(length_.size(), 0.0f);
    }

    std::size_t size() const { return length_.size(); }

    // Each distinct query token counts once (a repeated word is no stronger);
    // with this the file reproduces every floor number in shared/data/README.md.
    // Unknown tokens add nothing. Returns the touched docs; their scores are
    // in score_of(doc) until the next call.
    const std::vector<std::uint32_t>& score(const std::vector<std::string>& query) {
        for (auto d : touched_) scores_[d] = 0.0f;
        touched_.clear();
        unique_.clear();
        for (const auto& q : query)
            if (std::find(unique_.begin(), unique_.end(), q) == unique_.end()) unique_.push_back(q);
        for (const auto& q : unique_) {
            const auto it = terms_.find(q);
            if (it == terms_.end()) continue;
            const float idf = idf_[it->second];
            for (const auto& p : postings_[it->second]) {
                const float norm =
                    k1 * (1.0f - b + b * static_cast<float>(length_[p.doc]) / average_length_);
                if (scores_[p.doc] == 0.0f) touched_.push_back(p.doc);
                scores_[p.doc] += idf * p.tf * (k1 + 1.0f) / (p.tf + norm);
            }
        }
        return touched_;
    }
    float score_of(std::uint32_t doc) const { return scores_[doc]; }

  private:
    struct posting {
        std::uint32_t doc;
        float tf;
    };
    std::unordered_map<std::string, std::uint32_t> terms_;
    std::vector<std::vector<posting>> postings_;
    std::vector<std::uint32_t> length_;
    std::vector<float> idf_;
    float average_length_ = 1.0f;
    std::vector<float> scores_;
    std::vector<std::uint32_t> touched_;
    std::vector<std::string> unique_;
};

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const double rank = p * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(rank);
    const auto hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
}

struct outcome {
    bool expect_oos = false;
    bool right_top1 = false;  // top FAQ is the expected one (ignores the threshold)
    float top_score = 0.0f;   // 0 when nothing matched
};

int usage() {
    std::fprintf(stderr,
                 "usage: parley_bench_baseline --config F --cases F [--threshold T | "
                 "--match-oos-recall R]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::string config_path, cases_path;
    double threshold = 0.0, match_recall = -1.0;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--config" && i + 1 < argc)
            config_path = argv[++i];
        else if (a == "--cases" && i + 1 < argc)
            cases_path = argv[++i];
        else if (a == "--threshold" && i + 1 < argc)
            threshold = std::stod(argv[++i]);
        else if (a == "--match-oos-recall" && i + 1 < argc)
            match_recall = std::stod(argv[++i]);
        else
            return usage();
    }
    if (config_path.empty() || cases_path.empty()) return usage();

    bm25 index;
    std::vector<std::uint32_t> doc_faq;
    std::vector<std::string> faq_ids;
    try {
        const auto cfg = nlohmann::json::parse(read_file(config_path));
        for (const auto& f : cfg.at("faqs")) {
            const auto faq = static_cast<std::uint32_t>(faq_ids.size());
            faq_ids.push_back(f.at("id").get<std::string>());
            for (const auto& q : f.at("questions")) {
                index.add(tokenize(q.get<std::string>()));
                doc_faq.push_back(faq);
            }
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", config_path.c_str(), e.what());
        return 1;
    }
    index.finish();

    std::vector<outcome> outcomes;
    std::vector<double> latencies;
    std::vector<float> faq_best(faq_ids.size(), 0.0f);
    std::istringstream lines(read_file(cases_path));
    std::string line;
    for (std::size_t line_no = 1; std::getline(lines, line); ++line_no) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        nlohmann::json c;
        try {
            c = nlohmann::json::parse(line);
            if (!c.at("text").is_string() ||
                !(c.at("expect").is_string() || c.at("expect").is_null()))
                throw std::runtime_error("expected {\"text\": string, \"expect\": string or null}");
        } catch (const std::exception& e) {
            std::fprintf(stderr, "%s:%zu: %s\n", cases_path.c_str(), line_no, e.what());
            return 1;
        }
        const auto text = c["text"].get<std::string>();
        // Timed like `parley eval`: tokenizing, scoring and picking the answer.
        const auto t0 = std::chrono::steady_clock::now();
        const auto& touched = index.score(tokenize(text));
        std::int64_t best_faq = -1;
        float best = 0.0f;
        for (auto d : touched) faq_best[doc_faq[d]] = 0.0f;
        for (auto d : touched)
            faq_best[doc_faq[d]] = std::max(faq_best[doc_faq[d]], index.score_of(d));
        // Ties go to the FAQ listed first in the config, so results are reproducible.
        for (auto d : touched) {
            const auto f = doc_faq[d];
            if (faq_best[f] > best || (faq_best[f] == best && best > 0.0f && f < best_faq))
                best = faq_best[f], best_faq = f;
        }
        latencies.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count());
        outcome o;
        o.expect_oos = c["expect"].is_null();
        o.top_score = best_faq >= 0 ? best : 0.0f;
        o.right_top1 =
            !o.expect_oos && best_faq >= 0 &&
            faq_ids[static_cast<std::size_t>(best_faq)] == c["expect"].get<std::string>();
        outcomes.push_back(o);
    }

    std::size_t oos = 0;
    for (const auto& o : outcomes) oos += o.expect_oos;
    const bool oracle = match_recall >= 0.0;
    if (oracle) {
        // The lowest threshold whose OOS recall reaches R: sort the OOS top
        // scores; the k-th smallest must fall back, so the threshold sits just
        // above it (a case falls back when score < threshold).
        std::vector<float> oos_scores;
        for (const auto& o : outcomes)
            if (o.expect_oos) oos_scores.push_back(o.top_score);
        std::sort(oos_scores.begin(), oos_scores.end());
        // Round R*n to 1e-9 first: 0.89 * 100 is 89.00000000000001 in doubles.
        const auto need = static_cast<std::size_t>(
            std::ceil(std::round(std::min(match_recall, 1.0) * oos * 1e9) / 1e9));
        threshold = need == 0 || oos_scores.empty()
                        ? 0.0
                        : std::nextafter(static_cast<double>(oos_scores[need - 1]),
                                         std::numeric_limits<double>::infinity());
    }

    std::size_t cases = outcomes.size(), in_scope = 0, right = 0, oos_fallback = 0, fallbacks = 0;
    for (const auto& o : outcomes) {
        // No shared token is always a fallback, whatever the threshold.
        const bool fell_back = o.top_score <= 0.0f || o.top_score < threshold;
        fallbacks += fell_back;
        if (o.expect_oos) {
            oos_fallback += fell_back;
        } else {
            ++in_scope;
            right += o.right_top1 && !fell_back;
        }
    }
    const auto ratio = [](std::size_t x, std::size_t y) {
        return y ? static_cast<double>(x) / static_cast<double>(y) : 0.0;
    };
    nlohmann::json out;
    out["baseline"] = oracle ? "bm25_plain_oracle_threshold" : "bm25_plain";
    out["cases"] = cases;
    out["in_scope_top1"] = ratio(right, in_scope);
    out["oos_recall"] = ratio(oos_fallback, oos);
    out["oos_precision"] = ratio(oos_fallback, fallbacks);
    out["p50_ms"] = percentile(latencies, 0.50);
    out["p99_ms"] = percentile(latencies, 0.99);
    out["in_scope"] = in_scope;
    out["oos"] = oos;
    out["fallbacks"] = fallbacks;
    out["threshold"] = threshold;
    out["threshold_is_oracle"] = oracle;
    if (oracle) out["target_oos_recall"] = match_recall;
    out["faqs"] = faq_ids.size();
    out["questions"] = index.size();
    std::printf("%s\n", out.dump().c_str());
    return 0;
}
