#pragma once
// Everything the dialog remembers between two messages of one conversation.
// It serializes to JSON because the same conversation moves between the
// browser (local storage, wasm core) and the server (native core), and must
// survive reloads: the JSON is the whole state, nothing hides elsewhere.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parley/handoff.hpp"
#include "parley/text.hpp"

namespace parley {

struct flow_state {
    std::string flow_id;
    std::size_t slot = 0;                       // index of the slot being asked
    std::map<std::string, std::string> values;  // filled slots (originals: the action needs them)
    int reprompts = 0;                          // invalid answers to the current slot
};

struct session {
    static constexpr int format_version = 1;

    language lang = language::en;
    int turns = 0;
    int consecutive_fallbacks = 0;
    std::optional<flow_state> flow;
    std::vector<std::string> pending_options;  // item ids offered by the last clarify
    bool handed_off = false;
    handoff_reason handoff = handoff_reason::none;
    std::string last_item;  // id of the last FAQ or flow answered (analytics, "intent")
    double last_frustration = 0.0;

    std::string to_json() const;
    // Throws std::invalid_argument with a message naming the bad field.
    static session from_json(std::string_view json_text);
};

}  // namespace parley
