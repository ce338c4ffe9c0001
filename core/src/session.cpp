#include "parley/session.hpp"

#include <stdexcept>

#include "parley/json.hpp"

namespace parley {

// Keys in sorted order: the format nlohmann::json (a std::map) wrote, which
// stored sessions and the parity test's golden output keep.
std::string session::to_json() const {
    json::writer w;
    w.begin_object();
    w.key("fallbacks").integer(consecutive_fallbacks);
    w.key("flow");
    if (flow) {
        w.begin_object();
        w.key("id").string(flow->flow_id);
        w.key("reprompts").integer(flow->reprompts);
        w.key("slot").integer(static_cast<long long>(flow->slot));
        w.key("values").begin_object();
        for (const auto& [name, value] : flow->values) w.key(name).string(value);
        w.end_object();
        w.end_object();
    } else {
        w.null();
    }
    w.key("frustration").number(last_frustration);
    w.key("handed_off").boolean(handed_off);
    w.key("handoff").string(handoff_reason_name(handoff));
    w.key("lang").string(language_code(lang));
    w.key("last_item").string(last_item);
    w.key("pending_options").strings(pending_options);
    w.key("turns").integer(turns);
    w.key("v").integer(format_version);
    w.end_object();
    return w.take();
}

namespace {

const json::value& member(const json::value& object, const char* key) {
    const json::value* v = object.find(key);
    if (!v) throw std::invalid_argument(std::string("session.") + key + ": missing");
    return *v;
}

const std::string& text_of(const json::value& object, const char* key) {
    const json::value& v = member(object, key);
    if (!v.is_string())
        throw std::invalid_argument(std::string("session.") + key + ": expected a string");
    return v.as_string();
}

// A number read as nlohmann's get<int>() does (a fraction is truncated).
long long number_of(const json::value& object, const char* key) {
    const json::value& v = member(object, key);
    if (!v.is_number())
        throw std::invalid_argument(std::string("session.") + key + ": expected a number");
    return v.as_int();
}

}  // namespace

session session::from_json(std::string_view json_text) {
    json::value j;
    try {
        j = json::parse(json_text);
    } catch (const json::parse_error& e) {
        throw std::invalid_argument(std::string("session: invalid JSON: ") + e.what());
    }
    if (!j.is_object()) throw std::invalid_argument("session: expected an object");
    const json::value* version = j.find("v");
    if (!version || !version->is_number() || version->as_int() != format_version)
        throw std::invalid_argument("session.v: unsupported version");
    session s;
    if (!language_from_code(text_of(j, "lang"), s.lang))
        throw std::invalid_argument("session.lang: expected en or zh");
    s.turns = static_cast<int>(number_of(j, "turns"));
    s.consecutive_fallbacks = static_cast<int>(number_of(j, "fallbacks"));
    const json::value& options = member(j, "pending_options");
    if (!options.is_array())
        throw std::invalid_argument("session.pending_options: expected an array");
    for (std::size_t i = 0; i < options.size(); ++i) {
        if (!options[i].is_string())
            throw std::invalid_argument("session.pending_options: expected strings");
        s.pending_options.push_back(options[i].as_string());
    }
    const json::value& handed_off = member(j, "handed_off");
    if (!handed_off.is_bool())
        throw std::invalid_argument("session.handed_off: expected a boolean");
    s.handed_off = handed_off.as_bool();
    if (!handoff_reason_from_name(text_of(j, "handoff"), s.handoff))
        throw std::invalid_argument("session.handoff: unknown reason");
    s.last_item = text_of(j, "last_item");
    const json::value& frustration = member(j, "frustration");
    if (!frustration.is_number())
        throw std::invalid_argument("session.frustration: expected a number");
    s.last_frustration = frustration.as_double();
    const json::value& f = member(j, "flow");
    if (!f.is_null()) {
        if (!f.is_object()) throw std::invalid_argument("session.flow: expected an object or null");
        flow_state fs;
        fs.flow_id = text_of(f, "id");
        fs.slot = static_cast<std::size_t>(number_of(f, "slot"));
        const json::value& values = member(f, "values");
        if (!values.is_object()) throw std::invalid_argument("session.values: expected an object");
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (!values[i].is_string())
                throw std::invalid_argument("session.values: expected strings");
            fs.values[values.key(i)] = values[i].as_string();
        }
        fs.reprompts = static_cast<int>(number_of(f, "reprompts"));
        s.flow = std::move(fs);
    }
    if (s.turns < 0 || s.consecutive_fallbacks < 0)
        throw std::invalid_argument("session: negative counter");
    return s;
}

}  // namespace parley
