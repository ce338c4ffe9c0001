#pragma once
// When the bot should step aside for a person: an explicit request ("agent",
// "real person", "转人工"), frustration above the shop's threshold, too many
// fallbacks in a row, or a flow that could not finish. The reason travels with
// the handoff so the agent console and analytics can show why.
#include <string>
#include <string_view>
#include <vector>

#include "parley/config.hpp"

namespace parley {

enum class handoff_reason { none, requested, frustration, repeated_fallback, flow_failed };
std::string_view handoff_reason_name(handoff_reason reason);
bool handoff_reason_from_name(std::string_view name, handoff_reason& out);

// `text` is normalized. Built-in EN/ZH phrasings plus the merchant's extra ones.
bool is_explicit_handoff_request(std::string_view text,
                                 const std::vector<std::string>& extra_phrases = {});

struct handoff_inputs {
    bool explicit_request = false;
    double frustration = 0.0;
    int consecutive_fallbacks = 0;  // including the current message's
    bool flow_failed = false;
};

// First matching reason in the order: requested, frustration, flow_failed, repeated_fallback.
handoff_reason evaluate_handoff(const handoff_inputs& inputs, const handoff_settings& settings);

}  // namespace parley
