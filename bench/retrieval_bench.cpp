// Scale benchmark of the core's retrieval: how index build time, index memory
// and query latency grow from a small shop (1k FAQ questions) to a very large
// one (100k), and what the flat vector index costs at the same sizes.
//
// The FAQ sets are synthetic but shaped like real ones, deterministically
// (fixed seed, own RNG, so every platform generates the same text): 10
// paraphrases per FAQ sharing 2-3 topic words, drawn with Zipf-like
// frequencies from a few thousand English words (real shop words first, then
// pronounceable made-up words), with inflections the stemmer must fold, plus
// one Chinese FAQ in ten. Queries are perturbed questions (a word dropped,
// replaced, misspelt or added) and random word salads (out of scope).
//
//   parley_bench_retrieval [--sizes 1000,10000,100000] [--queries N] [--no-vectors]
//
// Prints one JSON object per measurement as it goes, then readable tables.
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <numeric>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "parley/bm25_index.hpp"
#include "parley/config.hpp"
#include "parley/retriever.hpp"
#include "parley/text.hpp"
#include "parley/tokenizer.hpp"
#include "parley/vector_index.hpp"

using namespace parley;

namespace {

using clock_type = std::chrono::steady_clock;

double ms_since(clock_type::time_point t0) {
    return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

// splitmix64: tiny, fast and identical everywhere, unlike the distributions
// of <random>, whose output differs between standard libraries.
struct rng {
    std::uint64_t state;
    explicit rng(std::uint64_t seed) : state(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    std::size_t below(std::size_t n) {
        return static_cast<std::size_t>(uniform() * static_cast<double>(n));
    }
    bool chance(double p) { return uniform() < p; }
    float normal() {  // Box-Muller; one value per call is plenty here
        const double u1 = std::max(uniform(), 1e-300), u2 = uniform();
        return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) *
                                  std::cos(6.283185307179586 * u2));
    }
};

// Samples rank r with probability proportional to 1 / (r + 1)^s: word use in
// real text is Zipfian, which is what makes some postings lists long.
class zipf {
  public:
    zipf(std::size_t n, double s) : cumulative_(n) {
        double total = 0;
        for (std::size_t r = 0; r < n; ++r) cumulative_[r] = total += 1.0 / std::pow(r + 1.0, s);
    }
    std::size_t operator()(rng& g) const {
        const double x = g.uniform() * cumulative_.back();
        const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), x);
        return std::min<std::size_t>(it - cumulative_.begin(), cumulative_.size() - 1);
    }

  private:
    std::vector<double> cumulative_;
};

// Words a shop's FAQ actually uses, most frequent first (they take the top Zipf ranks).
constexpr std::string_view shop_words =
    "order refund ship delivery return account payment card cancel address item price "
    "track package product change password email discount code coupon store size color "
    "stock invoice receipt charge fee tax exchange warranty damage missing wrong late time "
    "day week month week status number phone app website login sign subscription plan "
    "member point reward gift voucher balance bank transfer paypal credit debit checkout "
    "cart basket sale offer promo shipping express standard international country customs "
    "duty courier pickup locker label box parcel carrier tracking estimate arrival store "
    "branch location open hour holiday support agent human chat contact complaint feedback "
    "review rating quality broken defect repair replace replacement battery charger screen "
    "cable adapter manual instruction setup install update version software device laptop "
    "phone tablet watch shoe shirt dress jacket pant jean bag wallet ring necklace toy book "
    "game food drink coffee tea wine grocery fresh frozen organic vegan allergy ingredient "
    "recipe kitchen furniture sofa bed mattress chair table lamp garden tool paint bike car "
    "tire insurance loan fund deposit withdraw limit verify identity document photo upload "
    "profile setting notification newsletter unsubscribe privacy data delete close reopen "
    "transfer merge split bundle preorder backorder restock alert wishlist favorite compare "
    "recommend size chart fit small large medium measurement material cotton wool leather "
    "wash care clean storage assemble delivery slot schedule reschedule driver signature "
    "neighbor safe place doorstep lost stolen fraud dispute chargeback statement pending "
    "approved declined failed error problem issue question help";

// Function words and question openers; several are tokenizer stopwords on purpose.
// clang-format off
constexpr std::string_view english_openers[] = {
    "how do i", "how can i", "can i", "where is my", "what is the", "i want to", "i need to",
    "is it possible to", "why was my", "when will my", "help me", "i can't", "how long does",
    "do you", "what happens if i", "is there a", "how much is the", "where can i", "could you",
    "my", "i would like to", "please", "who do i contact about", "is my", "i have a question about"};
// clang-format on
constexpr std::string_view english_glue[] = {"the", "my", "a",   "for", "with", "to",   "on",
                                             "of",  "in", "and", "it",  "this", "your", "me"};
constexpr std::string_view english_suffixes[] = {"",        "",       "",      "?",     "?",
                                                 " please", " today", " asap", " now?", "!"};
constexpr std::string_view inflections[] = {"s", "ing", "ed", "es"};

// Frequent Han characters of shop conversations; words are built from them.
constexpr std::string_view han_pool =
    "订单退款货物发快递地址修改取消支付账号密码登录会员优惠券积分票运费包邮尺码颜色质量售后客服"
    "电话时间多久什么怎么为可以能不吗呢了的是我你他们这那有没在到收件人手机号银行卡信用花呗余额提"
    "现充值商品库存预售签拒换维修保价格降活动红满减折扣评投诉申请审核成功失败开通关闭绑定解除认证"
    "实名身份证照片上传下载更新版本网站应用店铺门营业节假日工作周末退回寄件包裹破损丢失错漏少多大"
    "小号码长短新旧好坏快慢早晚今天明昨后前还要想请问帮助查询看找买卖送取消费金钱元分期利息逾期"
    "额度提高降低还款借贷贴现转账汇流水记录明细";
constexpr std::string_view chinese_openers[] = {"怎么",   "如何", "为什么", "我想",     "请问",
                                                "能不能", "可以", "我的",   "什么时候", "在哪里"};
constexpr std::string_view chinese_suffixes[] = {"", "", "吗", "呢", "？", "啊", "了吗"};

std::vector<std::string> split_words(std::string_view s) {
    std::vector<std::string> out;
    std::istringstream in{std::string(s)};
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

std::vector<std::string> utf8_chars(std::string_view s) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < s.size();) {
        std::size_t len = 1;
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0xF0)
            len = 4;
        else if (c >= 0xE0)
            len = 3;
        else if (c >= 0xC0)
            len = 2;
        out.emplace_back(s.substr(i, len));
        i += len;
    }
    return out;
}

// A pronounceable made-up word ("brontaval"): stands in for the long tail of
// product names and rare words, so the vocabulary grows as real ones do.
std::string made_up_word(rng& g) {
    static constexpr std::string_view onsets[] = {
        "b", "br", "c", "ch", "d", "f", "fl", "g",  "gr", "h",  "j", "k", "l",
        "m", "n",  "p", "pl", "r", "s", "sh", "st", "t",  "tr", "v", "w", "z"};
    static constexpr std::string_view vowels[] = {"a", "e", "i", "o", "u", "ai", "ea", "oo", "ou"};
    static constexpr std::string_view codas[] = {"",  "",  "",  "n",  "r", "l",
                                                 "m", "t", "x", "nd", "st"};
    std::string w;
    const std::size_t syllables = 2 + g.below(2);
    for (std::size_t k = 0; k < syllables; ++k) {
        w += onsets[g.below(std::size(onsets))];
        w += vowels[g.below(std::size(vowels))];
        w += codas[g.below(std::size(codas))];
    }
    return w;
}

struct corpus_vocabulary {
    std::vector<std::string> english;  // content words by Zipf rank
    std::vector<std::string> chinese;  // 1-2 character words by Zipf rank
    zipf english_rank;
    zipf chinese_rank;

    explicit corpus_vocabulary(rng& g, std::size_t english_size = 4000,
                               std::size_t chinese_size = 1500)
        : english_rank(english_size, 1.0), chinese_rank(chinese_size, 1.0) {
        std::unordered_set<std::string> seen;
        for (auto& w : split_words(shop_words))
            if (seen.insert(w).second) english.push_back(w);
        while (english.size() < english_size) {
            auto w = made_up_word(g);
            if (seen.insert(w).second) english.push_back(std::move(w));
        }
        auto chars = utf8_chars(han_pool);
        std::unordered_set<std::string> unique_chars;
        std::erase_if(chars, [&](const std::string& c) { return !unique_chars.insert(c).second; });
        const zipf char_rank(chars.size(), 0.8);
        // Single characters are words too (a quarter of the ranks, spread evenly),
        // the rest are two-character words drawn from frequent characters.
        std::vector<std::string> doubles;
        seen.clear();
        for (const auto& c : chars) seen.insert(c);
        while (doubles.size() + std::min(chars.size(), chinese_size / 4) < chinese_size) {
            auto w = chars[char_rank(g)] + chars[char_rank(g)];
            if (seen.insert(w).second) doubles.push_back(std::move(w));
        }
        std::size_t next_single = 0, next_double = 0;
        while (chinese.size() < chinese_size) {
            const bool single = chinese.size() % 4 == 0 && next_single < chars.size() &&
                                next_single < chinese_size / 4;
            chinese.push_back(single ? chars[next_single++] : doubles[next_double++]);
        }
    }

    const std::string& english_word(rng& g) const { return english[english_rank(g)]; }
    const std::string& chinese_word(rng& g) const { return chinese[chinese_rank(g)]; }
};

std::string inflect(const std::string& w, rng& g) {
    // Shoppers write "refunds", "shipping", "cancelled": about one word in six here.
    return g.chance(0.16) ? w + std::string(inflections[g.below(std::size(inflections))]) : w;
}

std::vector<std::string> distinct_topic(const corpus_vocabulary& v, rng& g, bool chinese) {
    std::vector<std::string> topic;
    const std::size_t n = 2 + g.below(2);
    while (topic.size() < n) {
        const auto& w = chinese ? v.chinese_word(g) : v.english_word(g);
        if (std::find(topic.begin(), topic.end(), w) == topic.end()) topic.push_back(w);
    }
    return topic;
}

std::string english_question(const corpus_vocabulary& v, const std::vector<std::string>& topic,
                             rng& g) {
    std::vector<std::string> body;
    for (const auto& t : topic)
        if (g.chance(0.85)) body.push_back(inflect(t, g));
    if (body.empty()) body.push_back(topic[g.below(topic.size())]);
    for (std::size_t k = g.below(4); k > 0; --k) body.push_back(inflect(v.english_word(g), g));
    for (std::size_t i = body.size(); i > 1; --i) std::swap(body[i - 1], body[g.below(i)]);
    std::string q(english_openers[g.below(std::size(english_openers))]);
    for (const auto& w : body) {
        if (g.chance(0.35)) q += ' ', q += english_glue[g.below(std::size(english_glue))];
        q += ' ', q += w;
    }
    q += english_suffixes[g.below(std::size(english_suffixes))];
    if (g.chance(0.5)) q[0] = static_cast<char>(q[0] - 'a' + 'A');
    return q;
}

std::string chinese_question(const corpus_vocabulary& v, const std::vector<std::string>& topic,
                             rng& g) {
    std::vector<std::string> body;
    for (const auto& t : topic)
        if (g.chance(0.85)) body.push_back(t);
    if (body.empty()) body.push_back(topic[g.below(topic.size())]);
    for (std::size_t k = g.below(3); k > 0; --k) body.push_back(v.chinese_word(g));
    for (std::size_t i = body.size(); i > 1; --i) std::swap(body[i - 1], body[g.below(i)]);
    std::string q(chinese_openers[g.below(std::size(chinese_openers))]);
    for (const auto& w : body) q += w;
    q += chinese_suffixes[g.below(std::size(chinese_suffixes))];
    return q;
}

std::string answer_text(const corpus_vocabulary& v, const std::vector<std::string>& topic, rng& g,
                        bool chinese) {
    std::string a;
    const std::size_t words = 12 + g.below(14);
    for (std::size_t k = 0; k < words; ++k) {
        const bool on_topic = g.chance(0.25);
        const std::string& w = on_topic  ? topic[g.below(topic.size())]
                               : chinese ? v.chinese_word(g)
                                         : v.english_word(g);
        if (!chinese && !a.empty()) a += ' ';
        if (!chinese && g.chance(0.4))
            a += std::string(english_glue[g.below(std::size(english_glue))]) + ' ';
        a += w;
    }
    return a + (chinese ? "。" : ".");
}

struct synthetic_set {
    config cfg;
    std::size_t questions = 0;
    std::size_t chinese_faqs = 0;
};

synthetic_set make_set(const corpus_vocabulary& v, std::size_t questions, std::uint64_t seed) {
    rng g(seed);
    synthetic_set set;
    set.cfg.shop.name = "synthetic";
    set.cfg.shop.locale = language::en;
    const std::size_t faqs = questions / 10;
    set.cfg.faqs.reserve(faqs);
    for (std::size_t f = 0; f < faqs; ++f) {
        const bool chinese = f % 10 == 7;  // one FAQ in ten, spread through the set
        set.chinese_faqs += chinese;
        const auto topic = distinct_topic(v, g, chinese);
        faq item;
        item.id = "faq" + std::to_string(f);
        for (int q = 0; q < 10; ++q)
            item.questions.push_back(chinese ? chinese_question(v, topic, g)
                                             : english_question(v, topic, g));
        item.answer = answer_text(v, topic, g, chinese);
        set.questions += item.questions.size();
        set.cfg.faqs.push_back(std::move(item));
    }
    return set;
}

struct query_case {
    std::string text;       // normalized, as retriever::query expects
    std::int64_t faq = -1;  // source FAQ of a perturbed question; -1 for word salad
};

std::string perturb(const std::string& question, bool chinese, const corpus_vocabulary& v, rng& g) {
    auto units = chinese ? utf8_chars(question) : split_words(question);
    if (units.size() > 2 && g.chance(0.5))
        units.erase(units.begin() + static_cast<std::ptrdiff_t>(g.below(units.size())));
    if (g.chance(0.4))
        units[g.below(units.size())] = chinese ? v.chinese_word(g) : v.english_word(g);
    if (g.chance(0.3))
        units.insert(units.begin() + static_cast<std::ptrdiff_t>(g.below(units.size() + 1)),
                     chinese ? v.chinese_word(g) : v.english_word(g));
    if (!chinese && g.chance(0.3)) {  // a typo: one letter of one longer word changed
        auto& w = units[g.below(units.size())];
        if (w.size() > 3) w[1 + g.below(w.size() - 2)] = static_cast<char>('a' + g.below(26));
    }
    std::string out;
    for (const auto& u : units) {
        if (!chinese && !out.empty()) out += ' ';
        out += u;
    }
    return out;
}

std::vector<query_case> make_queries(const synthetic_set& set, const corpus_vocabulary& v,
                                     std::size_t count, std::uint64_t seed) {
    rng g(seed);
    std::vector<query_case> queries;
    queries.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        query_case q;
        if (i % 3 != 2) {  // two in three: a perturbed question of a known FAQ
            const std::size_t f = g.below(set.cfg.faqs.size());
            const auto& item = set.cfg.faqs[f];
            const bool chinese = f % 10 == 7;
            q.text = perturb(item.questions[g.below(item.questions.size())], chinese, v, g);
            q.faq = static_cast<std::int64_t>(f);
        } else {  // out of scope: random words, now and then Chinese
            const bool chinese = g.chance(0.1);
            for (std::size_t k = 3 + g.below(8); k > 0; --k) {
                if (!chinese && !q.text.empty()) q.text += ' ';
                q.text += chinese ? v.chinese_word(g) : v.english_word(g);
            }
        }
        q.text = normalize(q.text);
        queries.push_back(std::move(q));
    }
    return queries;
}

std::size_t rss_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::size_t size = 0, resident = 0;
    statm >> size >> resident;
    return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

// Returns freed heap to the kernel so an RSS delta measures what an index
// keeps, not what the allocator happens to hold from earlier work.
std::size_t settled_rss() {
    malloc_trim(0);
    return rss_bytes();
}

struct latency_stats {
    double p50 = 0, p99 = 0, mean = 0;
    long preempted = 0;  // involuntary context switches while timing
};

// Times are wall-clock, so a query that loses the CPU to another process
// looks slow; counting involuntary switches shows when a p99 is the machine's
// load rather than the code.
long involuntary_switches() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_nivcsw;
}

latency_stats summarize(std::vector<double> v) {
    latency_stats s;
    if (v.empty()) return s;
    std::sort(v.begin(), v.end());
    const auto at = [&](double p) {
        const double rank = p * static_cast<double>(v.size() - 1);
        const auto lo = static_cast<std::size_t>(rank);
        const auto hi = std::min(lo + 1, v.size() - 1);
        return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
    };
    s.p50 = at(0.50);
    s.p99 = at(0.99);
    s.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    return s;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty()      ? 0.0
           : v.size() % 2 ? v[v.size() / 2]
                          : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

struct retrieval_row {
    std::size_t questions = 0, faqs = 0, documents = 0, vocabulary = 0;
    double build_full_ms = 0, build_bm25_ms = 0, tokenize_ms = 0;
    std::size_t memory_bytes = 0;
    long long rss_delta_bytes = 0;
    std::size_t queries = 0;
    latency_stats latency;
    double perturbed_top1 = 0;      // perturbed questions whose own FAQ ranked first
    double perturbed_answered = 0;  // ... and whose confidence clears the default threshold
    double salad_fallback = 0;      // word salads whose confidence stays below it
    double salad_confidence = 0;    // mean calibrated confidence on word salads
};

struct vector_row {
    std::size_t vectors = 0;
    const char* storage = "";
    double build_ms = 0;
    std::size_t memory_bytes = 0;
    std::size_t queries = 0;
    latency_stats latency;
    double top1_agreement = 1.0;  // int8 top-1 equals float32 top-1
    double top10_overlap = 1.0;   // share of float32's top 10 that int8 also returns
};

retrieval_row bench_retrieval(const corpus_vocabulary& v, std::size_t questions,
                              std::size_t query_count) {
    retrieval_row row;
    const auto set = make_set(v, questions, 0x5EED0000 + questions);
    const auto queries = make_queries(set, v, query_count, 0xC0FFEE00 + questions);
    row.questions = set.questions;
    row.faqs = set.cfg.faqs.size();
    row.queries = queries.size();

    // The first build is the one whose retained memory is measured.
    const std::size_t rss_before = settled_rss();
    auto t0 = clock_type::now();
    std::vector<double> full_ms;
    auto r = std::make_unique<retriever>(retriever::build(set.cfg));
    full_ms.push_back(ms_since(t0));
    row.rss_delta_bytes =
        static_cast<long long>(settled_rss()) - static_cast<long long>(rss_before);
    row.memory_bytes = r->lexical_index().memory_bytes();
    row.documents = r->documents().size();
    row.vocabulary = r->lexical_index().vocabulary_size();
    // Fewer repetitions at larger sizes keeps the whole run short; the median
    // of what there is damps one-off page-fault and allocator noise.
    const int reps = questions <= 1000 ? 7 : questions <= 10000 ? 3 : 2;
    for (int k = 1; k < reps; ++k) {
        t0 = clock_type::now();
        const auto again = retriever::build(set.cfg);
        full_ms.push_back(ms_since(t0));
    }
    row.build_full_ms = median(full_ms);

    // BM25 alone: the same documents with the same weights, tokenized up front.
    t0 = clock_type::now();
    std::vector<std::vector<std::string>> doc_tokens;
    std::vector<float> doc_weight;
    const retriever_options defaults;
    for (const auto& d : r->documents()) {
        doc_tokens.push_back(tokenize(d.text, defaults.tokens));
        doc_weight.push_back(d.is_answer ? defaults.answer_weight : 1.0f);
    }
    row.tokenize_ms = ms_since(t0);
    std::vector<double> bm25_ms;
    for (int k = 0; k < reps; ++k) {
        t0 = clock_type::now();
        bm25_builder builder(defaults.bm25);
        for (std::size_t d = 0; d < doc_tokens.size(); ++d)
            builder.add(doc_tokens[d], doc_weight[d]);
        const auto index = std::move(builder).build();
        bm25_ms.push_back(ms_since(t0));
        if (index.size() != doc_tokens.size())
            std::fprintf(stderr, "bm25: document count mismatch\n");
    }
    row.build_bm25_ms = median(bm25_ms);

    // Warm caches and branch predictors on a slice of the queries first.
    for (std::size_t i = 0; i < std::min<std::size_t>(200, queries.size()); ++i)
        (void)r->query(queries[i].text);
    std::vector<double> latencies;
    latencies.reserve(queries.size());
    // The calibrated confidence is meant to mean the same at every size; the
    // default handoff threshold shows whether it does on these sets.
    const double threshold = handoff_settings{}.confidence_threshold;
    std::size_t in_scope = 0, right = 0, answered = 0, salads = 0, salad_fallbacks = 0;
    double salad_confidence = 0;
    const long switches_before = involuntary_switches();
    for (const auto& q : queries) {
        t0 = clock_type::now();
        const auto result = r->query(q.text);
        latencies.push_back(ms_since(t0));
        if (q.faq >= 0) {
            ++in_scope;
            const bool top1 =
                !result.ranked.empty() &&
                r->items()[result.ranked.front().item].index == static_cast<std::size_t>(q.faq);
            right += top1;
            answered += top1 && result.confidence >= threshold;
        } else {
            ++salads;
            salad_confidence += result.confidence;
            salad_fallbacks += result.confidence < threshold;
        }
    }
    row.latency = summarize(latencies);
    row.latency.preempted = involuntary_switches() - switches_before;
    row.perturbed_top1 =
        in_scope ? static_cast<double>(right) / static_cast<double>(in_scope) : 0.0;
    row.perturbed_answered =
        in_scope ? static_cast<double>(answered) / static_cast<double>(in_scope) : 0.0;
    row.salad_fallback =
        salads ? static_cast<double>(salad_fallbacks) / static_cast<double>(salads) : 0.0;
    row.salad_confidence = salads ? salad_confidence / static_cast<double>(salads) : 0.0;

    std::printf(
        "{\"bench\":\"retriever.build\",\"questions\":%zu,\"faqs\":%zu,\"documents\":%zu,"
        "\"median_ms\":%.3f,\"reps\":%d}\n",
        row.questions, row.faqs, row.documents, row.build_full_ms, reps);
    std::printf(
        "{\"bench\":\"bm25.build\",\"questions\":%zu,\"documents\":%zu,\"median_ms\":%.3f,"
        "\"reps\":%d,\"tokenize_ms\":%.3f}\n",
        row.questions, row.documents, row.build_bm25_ms, reps, row.tokenize_ms);
    std::printf(
        "{\"bench\":\"bm25.memory\",\"questions\":%zu,\"documents\":%zu,\"vocabulary\":%zu,"
        "\"memory_bytes\":%zu,\"retriever_rss_delta_bytes\":%lld}\n",
        row.questions, row.documents, row.vocabulary, row.memory_bytes, row.rss_delta_bytes);
    std::printf(
        "{\"bench\":\"retriever.query\",\"questions\":%zu,\"queries\":%zu,"
        "\"p50_ms\":%.4f,\"p99_ms\":%.4f,\"mean_ms\":%.4f,\"preempted\":%ld,"
        "\"perturbed_top1\":%.4f,\"perturbed_answered\":%.4f,\"salad_fallback\":%.4f,"
        "\"salad_mean_confidence\":%.4f,\"threshold\":%.2f}\n",
        row.questions, row.queries, row.latency.p50, row.latency.p99, row.latency.mean,
        row.latency.preempted, row.perturbed_top1, row.perturbed_answered, row.salad_fallback,
        row.salad_confidence, threshold);
    std::fflush(stdout);
    return row;
}

// Float32 and int8 indexes over the same random unit vectors; queries are
// noisy copies of stored vectors, so the int8 top-1 can be checked against float32.
std::vector<vector_row> bench_vectors(std::size_t count, std::size_t dimension,
                                      std::size_t query_count) {
    rng g(0xFEC7000 + count);
    std::vector<float> flat(count * dimension);
    for (auto& x : flat) x = g.normal();
    std::vector<std::vector<float>> queries(query_count, std::vector<float>(dimension));
    for (auto& q : queries) {
        const std::size_t source = g.below(count);
        for (std::size_t i = 0; i < dimension; ++i)
            q[i] = flat[source * dimension + i] + 0.7f * g.normal();
    }
    std::vector<vector_row> rows;
    std::vector<std::vector<scored_vector>> float_hits;
    for (const auto storage : {vector_storage::float32, vector_storage::int8}) {
        vector_row row;
        row.vectors = count;
        row.storage = storage == vector_storage::float32 ? "float32" : "int8";
        row.queries = query_count;
        auto t0 = clock_type::now();
        vector_index index(dimension, storage);
        for (std::size_t id = 0; id < count; ++id)
            index.add(std::span<const float>(flat.data() + id * dimension, dimension));
        row.build_ms = ms_since(t0);
        row.memory_bytes = index.memory_bytes();
        for (std::size_t i = 0; i < std::min<std::size_t>(20, queries.size()); ++i)
            (void)index.top_k(queries[i], 10);
        std::vector<double> latencies;
        std::size_t agree = 0, overlap = 0;
        const long switches_before = involuntary_switches();
        for (std::size_t i = 0; i < queries.size(); ++i) {
            t0 = clock_type::now();
            const auto hits = index.top_k(queries[i], 10);
            latencies.push_back(ms_since(t0));
            if (storage == vector_storage::float32) {
                float_hits.push_back(hits);
                continue;
            }
            agree += hits.front().id == float_hits[i].front().id;
            for (const auto& h : hits)
                overlap += std::any_of(float_hits[i].begin(), float_hits[i].end(),
                                       [&](const scored_vector& f) { return f.id == h.id; });
        }
        row.latency = summarize(latencies);
        row.latency.preempted = involuntary_switches() - switches_before;
        if (storage == vector_storage::int8) {
            row.top1_agreement = static_cast<double>(agree) / static_cast<double>(queries.size());
            row.top10_overlap =
                static_cast<double>(overlap) / (10.0 * static_cast<double>(queries.size()));
        }
        std::printf(
            "{\"bench\":\"vector.top_k\",\"storage\":\"%s\",\"vectors\":%zu,"
            "\"dimension\":%zu,\"k\":10,\"queries\":%zu,\"build_ms\":%.3f,"
            "\"memory_bytes\":%zu,\"p50_ms\":%.4f,\"p99_ms\":%.4f,\"mean_ms\":%.4f,"
            "\"preempted\":%ld,\"top1_agreement_with_float32\":%.4f,"
            "\"top10_overlap_with_float32\":%.4f}\n",
            row.storage, count, dimension, row.queries, row.build_ms, row.memory_bytes,
            row.latency.p50, row.latency.p99, row.latency.mean, row.latency.preempted,
            row.top1_agreement, row.top10_overlap);
        std::fflush(stdout);
        rows.push_back(row);
    }
    return rows;
}

std::string mib(double bytes) {  // RSS deltas can be negative
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f MiB", bytes / (1024.0 * 1024.0));
    return buf;
}

std::vector<std::size_t> parse_sizes(const std::string& s) {
    std::vector<std::size_t> sizes;
    std::stringstream in(s);
    for (std::string part; std::getline(in, part, ',');) sizes.push_back(std::stoul(part));
    return sizes;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::size_t> sizes = {1000, 10000, 100000};
    std::size_t query_count = 3000;
    bool vectors = true;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--sizes" && i + 1 < argc)
            sizes = parse_sizes(argv[++i]);
        else if (a == "--queries" && i + 1 < argc)
            query_count = std::stoul(argv[++i]);
        else if (a == "--no-vectors")
            vectors = false;
        else {
            std::fprintf(
                stderr,
                "usage: parley_bench_retrieval [--sizes N,N,...] [--queries N] [--no-vectors]\n");
            return 2;
        }
    }
    const auto start = clock_type::now();
    rng vocabulary_rng(0x70CAB);
    const corpus_vocabulary vocabulary(vocabulary_rng);

    std::vector<retrieval_row> retrieval_rows;
    for (auto n : sizes) retrieval_rows.push_back(bench_retrieval(vocabulary, n, query_count));
    std::vector<vector_row> vector_rows;
    if (vectors)
        for (auto n : sizes) {
            // A flat scan costs N x 256 per query: fewer queries at 100k keep the
            // run short while still giving a stable p99 (hundreds of samples).
            const std::size_t q = n >= 100000 ? 500 : 2000;
            for (auto& row : bench_vectors(n, 256, q)) vector_rows.push_back(row);
        }

    std::puts("\n### retriever (BM25 path), synthetic FAQ sets, 10 questions per FAQ\n");
    std::puts(
        "| questions | FAQs | docs | vocab | build full | build BM25 | tokenize "
        "| BM25 memory | RSS delta |");
    std::puts("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const auto& r : retrieval_rows)
        std::printf("| %zu | %zu | %zu | %zu | %.1f ms | %.1f ms | %.1f ms | %s | %s |\n",
                    r.questions, r.faqs, r.documents, r.vocabulary, r.build_full_ms,
                    r.build_bm25_ms, r.tokenize_ms, mib(r.memory_bytes).c_str(),
                    mib(static_cast<double>(r.rss_delta_bytes)).c_str());
    std::puts(
        "\n| questions | queries | p50 | p99 | mean | preempted | perturbed top-1 "
        "| perturbed answered | salad fallback | salad mean confidence |");
    std::puts("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const auto& r : retrieval_rows)
        std::printf(
            "| %zu | %zu | %.3f ms | %.3f ms | %.3f ms | %ld | %.3f | %.3f | %.3f | %.3f |\n",
            r.questions, r.queries, r.latency.p50, r.latency.p99, r.latency.mean,
            r.latency.preempted, r.perturbed_top1, r.perturbed_answered, r.salad_fallback,
            r.salad_confidence);
    if (!vector_rows.empty()) {
        std::puts("\n### vector_index::top_k, k = 10, dimension 256, random unit vectors\n");
        std::puts(
            "| vectors | storage | add all | memory | queries | p50 | p99 | mean "
            "| preempted | top-1 = float32 | top-10 overlap |");
        std::puts("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (const auto& r : vector_rows)
            std::printf(
                "| %zu | %s | %.1f ms | %s | %zu | %.3f ms | %.3f ms | %.3f ms | %ld | %.3f | %.3f "
                "|\n",
                r.vectors, r.storage, r.build_ms, mib(r.memory_bytes).c_str(), r.queries,
                r.latency.p50, r.latency.p99, r.latency.mean, r.latency.preempted, r.top1_agreement,
                r.top10_overlap);
    }
    std::puts("\nTimes are wall clock (steady_clock); \"preempted\" counts involuntary context");
    std::puts("switches while timing: when it is large, p99 measures the machine's load.");
    std::printf("\ntotal %.1f s\n", ms_since(start) / 1000.0);
    return 0;
}
