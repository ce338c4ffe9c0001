#include "parley/handoff.hpp"

#include <array>

#include "parley/text.hpp"

namespace parley {

std::string_view handoff_reason_name(handoff_reason reason) {
    switch (reason) {
        case handoff_reason::none:
            return "none";
        case handoff_reason::requested:
            return "requested";
        case handoff_reason::frustration:
            return "frustration";
        case handoff_reason::repeated_fallback:
            return "repeated_fallback";
        case handoff_reason::flow_failed:
            return "flow_failed";
    }
    return "none";
}

bool handoff_reason_from_name(std::string_view name, handoff_reason& out) {
    for (auto r : {handoff_reason::none, handoff_reason::requested, handoff_reason::frustration,
                   handoff_reason::repeated_fallback, handoff_reason::flow_failed})
        if (handoff_reason_name(r) == name) return out = r, true;
    return false;
}

namespace {

bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '\'';
}

// Whole-word containment for English ("agent" but not "reagent"); plain
// substring for Chinese, which has no spaces.
bool contains_phrase(std::string_view text, std::string_view phrase) {
    for (std::size_t pos = text.find(phrase); pos != std::string_view::npos;
         pos = text.find(phrase, pos + 1)) {
        const bool ascii = static_cast<unsigned char>(phrase.front()) < 0x80;
        if (!ascii) return true;
        const bool left = pos == 0 || !is_word_char(text[pos - 1]);
        const std::size_t end = pos + phrase.size();
        const bool right = end >= text.size() || !is_word_char(text[end]);
        if (left && right) return true;
    }
    return false;
}

constexpr std::array<std::string_view, 45> request_phrases = {"agent",
                                                              "a human",
                                                              "human agent",
                                                              "human please",
                                                              "to human",
                                                              "real person",
                                                              "live person",
                                                              "a person",
                                                              "someone real",
                                                              "representative",
                                                              "customer service rep",
                                                              "speak to someone",
                                                              "talk to someone",
                                                              "speak with someone",
                                                              "talk to a person",
                                                              "speak to a person",
                                                              "live chat",
                                                              "live agent",
                                                              "human being",
                                                              "real human",
                                                              "staff member",
                                                              "support team",
                                                              "customer support agent",
                                                              "not a bot",
                                                              "stop the bot",
                                                              "no more bot",
                                                              "转人工",
                                                              "人工客服",
                                                              "人工服务",
                                                              "找人工",
                                                              "要人工",
                                                              "真人",
                                                              "客服人员",
                                                              "人工",
                                                              "转接客服",
                                                              "找客服",
                                                              "联系客服",
                                                              "在线客服",
                                                              "活人",
                                                              "不要机器人",
                                                              "换个人",
                                                              "叫你们经理",
                                                              "找你们经理",
                                                              "接人工",
                                                              "人工坐席"};

}  // namespace

bool is_explicit_handoff_request(std::string_view text,
                                 const std::vector<std::string>& extra_phrases) {
    if (text.empty()) return false;
    for (auto p : request_phrases)
        if (contains_phrase(text, p)) return true;
    for (const auto& p : extra_phrases) {
        const std::string n = normalize(p);
        if (!n.empty() && contains_phrase(text, n)) return true;
    }
    return false;
}

handoff_reason evaluate_handoff(const handoff_inputs& in, const handoff_settings& settings) {
    if (in.explicit_request) return handoff_reason::requested;
    if (in.frustration >= settings.frustration_threshold && in.frustration > 0.0)
        return handoff_reason::frustration;
    if (in.flow_failed) return handoff_reason::flow_failed;
    if (settings.max_fallbacks > 0 && in.consecutive_fallbacks >= settings.max_fallbacks)
        return handoff_reason::repeated_fallback;
    return handoff_reason::none;
}

}  // namespace parley
