#pragma once
// From ranked candidates to one of three moves: answer (confident), clarify
// (confident but two candidates too close to call: "Did you mean…?") or fall
// back (out of scope: offer a human). Thresholds come from the config and act
// on the calibrated confidence, so the same numbers work in every shop.
#include <cstdint>
#include <vector>

#include "parley/config.hpp"
#include "parley/retriever.hpp"

namespace parley {

enum class decision_kind { answer, clarify, fallback };

struct decision {
    decision_kind kind = decision_kind::fallback;
    std::uint32_t item = 0;              // answer: the chosen item
    std::vector<std::uint32_t> options;  // clarify: items to offer, best first
    float confidence = 0.0f;
};

decision decide(const retrieval_result& result, const handoff_settings& settings);

}  // namespace parley
