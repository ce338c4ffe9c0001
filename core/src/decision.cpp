#include "parley/decision.hpp"

namespace parley {

decision decide(const retrieval_result& result, const handoff_settings& settings) {
    decision d;
    d.confidence = result.confidence;
    if (result.ranked.empty() || result.confidence < settings.confidence_threshold) return d;
    const auto& top = result.ranked.front();
    if (result.ranked.size() >= 2 && result.margin < settings.clarify_margin) {
        // Offer every candidate within the margin of the best, at most three.
        d.kind = decision_kind::clarify;
        for (const auto& c : result.ranked) {
            if (d.options.size() == 3) break;
            // In the units of result.margin (scaled in vector mode).
            if (top.score > 0 &&
                (top.score - c.score) / top.score * result.margin_scale <= settings.clarify_margin)
                d.options.push_back(c.item);
        }
        if (d.options.size() >= 2) return d;
        d.options.clear();
    }
    d.kind = decision_kind::answer;
    d.item = top.item;
    return d;
}

}  // namespace parley
