#include "parley/bm25_index.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "parley/sort.hpp"

namespace parley {

std::uint32_t bm25_builder::add(const std::vector<std::string>& tokens, float weight) {
    const auto doc = static_cast<std::uint32_t>(doc_length_.size());
    doc_length_.push_back(static_cast<std::uint32_t>(tokens.size()));
    doc_weight_.push_back(weight);
    std::unordered_map<std::uint32_t, std::uint32_t> tf;
    for (const auto& token : tokens) {
        auto [it, inserted] =
            vocabulary_.try_emplace(token, static_cast<std::uint32_t>(term_docs_.size()));
        if (inserted) term_docs_.emplace_back();
        ++tf[it->second];
    }
    for (auto [term, count] : tf) term_docs_[term].emplace_back(doc, count);
    return doc;
}

bm25_index bm25_builder::build() && {
    bm25_index index;
    index.params_ = params_;
    index.doc_count_ = static_cast<std::uint32_t>(doc_length_.size());
    double total = 0;
    for (auto len : doc_length_) total += len;
    index.average_length_ = index.doc_count_ ? static_cast<float>(total / index.doc_count_) : 1.0f;
    if (index.average_length_ <= 0) index.average_length_ = 1.0f;
    index.vocabulary_ = std::move(vocabulary_);
    const std::size_t terms = term_docs_.size();
    index.idf_.resize(terms);
    index.offsets_.resize(terms + 1);
    std::size_t postings = 0;
    for (const auto& list : term_docs_) postings += list.size();
    index.posting_doc_.reserve(postings);
    index.posting_weight_.reserve(postings);
    const float n = static_cast<float>(index.doc_count_);
    for (std::size_t t = 0; t < terms; ++t) {
        auto& list = term_docs_[t];
        sort_with(list, [](const auto& a, const auto& b) { return a < b; });
        const float df = static_cast<float>(list.size());
        // Lucene's non-negative idf: a term in every document still counts a little.
        const float idf = std::log(1.0f + (n - df + 0.5f) / (df + 0.5f));
        index.idf_[t] = idf;
        index.offsets_[t] = static_cast<std::uint32_t>(index.posting_doc_.size());
        for (auto [doc, tf] : list) {
            const float norm = params_.k1 * (1.0f - params_.b +
                                             params_.b * doc_length_[doc] / index.average_length_);
            const float w = idf * (tf * (params_.k1 + 1.0f)) / (tf + norm);
            index.posting_doc_.push_back(doc);
            index.posting_weight_.push_back(w * doc_weight_[doc]);
        }
    }
    index.offsets_[terms] = static_cast<std::uint32_t>(index.posting_doc_.size());
    return index;
}

std::size_t bm25_index::memory_bytes() const {
    std::size_t bytes = idf_.capacity() * sizeof(float) + offsets_.capacity() * 4 +
                        posting_doc_.capacity() * 4 + posting_weight_.capacity() * 4;
    for (const auto& [term, id] : vocabulary_) bytes += term.capacity() + sizeof(term) + 4 + 16;
    return bytes;
}

std::vector<std::string> bm25_index::unique_terms(const std::vector<std::string>& query) const {
    std::vector<std::string> terms;
    terms.reserve(query.size());
    for (const auto& t : query)
        if (std::find(terms.begin(), terms.end(), t) == terms.end()) terms.push_back(t);
    return terms;
}

std::vector<scored_doc> bm25_index::score_all(const std::vector<std::string>& query) const {
    std::vector<scored_doc> hits;
    if (doc_count_ == 0) return hits;
    // Dense accumulator plus a touched list: cheaper than a hash map for the
    // long postings of common words, and only touched slots are read back.
    std::vector<float> acc(doc_count_, 0.0f);
    std::vector<std::uint32_t> touched;
    for (const auto& term : unique_terms(query)) {
        const auto it = vocabulary_.find(term);
        if (it == vocabulary_.end()) continue;
        const std::uint32_t t = it->second;
        for (std::uint32_t p = offsets_[t]; p < offsets_[t + 1]; ++p) {
            const std::uint32_t doc = posting_doc_[p];
            if (acc[doc] == 0.0f) touched.push_back(doc);
            acc[doc] += posting_weight_[p];
        }
    }
    hits.reserve(touched.size());
    for (auto doc : touched) hits.push_back({doc, acc[doc]});
    return hits;
}

std::vector<scored_doc> bm25_index::top_k(const std::vector<std::string>& query,
                                          std::size_t k) const {
    auto hits = score_all(query);
    auto better = [](const scored_doc& a, const scored_doc& b) {
        return a.score != b.score ? a.score > b.score : a.doc < b.doc;
    };
    if (hits.size() > k) {
        std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(k), hits.end(),
                          better);
        hits.resize(k);
    } else {
        sort_with(hits, better);
    }
    return hits;
}

float bm25_index::idf(std::string_view term) const {
    const auto it = vocabulary_.find(std::string(term));
    if (it != vocabulary_.end()) return idf_[it->second];
    const float n = static_cast<float>(doc_count_);
    return std::log(1.0f + (n + 0.5f) / 0.5f);
}

float bm25_index::reference_score(const std::vector<std::string>& query) const {
    float score = 0;
    for (const auto& term : unique_terms(query)) score += idf(term);
    // tf = 1 in a document of average length: the BM25 factor is exactly 1.
    return score;
}

float bm25_index::matched_idf(const std::vector<std::string>& query, std::uint32_t doc) const {
    float score = 0;
    for (const auto& term : unique_terms(query)) {
        const auto it = vocabulary_.find(term);
        if (it == vocabulary_.end()) continue;
        const std::uint32_t t = it->second;
        const auto first = posting_doc_.begin() + offsets_[t];
        const auto last = posting_doc_.begin() + offsets_[t + 1];
        if (std::binary_search(first, last, doc)) score += idf_[t];
    }
    return score;
}

}  // namespace parley
