#include "parley/session.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace parley {

using json = nlohmann::json;

std::string session::to_json() const {
    json j;
    j["v"] = format_version;
    j["lang"] = std::string(language_code(lang));
    j["turns"] = turns;
    j["fallbacks"] = consecutive_fallbacks;
    j["pending_options"] = pending_options;
    j["handed_off"] = handed_off;
    j["handoff"] = std::string(handoff_reason_name(handoff));
    j["last_item"] = last_item;
    j["frustration"] = last_frustration;
    if (flow) {
        j["flow"] = {{"id", flow->flow_id},
                     {"slot", flow->slot},
                     {"values", flow->values},
                     {"reprompts", flow->reprompts}};
    } else {
        j["flow"] = nullptr;
    }
    return j.dump();
}

session session::from_json(std::string_view json_text) {
    json j;
    try {
        j = json::parse(json_text.begin(), json_text.end());
    } catch (const json::parse_error& e) {
        throw std::invalid_argument(std::string("session: invalid JSON: ") + e.what());
    }
    if (!j.is_object()) throw std::invalid_argument("session: expected an object");
    if (j.value("v", 0) != format_version)
        throw std::invalid_argument("session.v: unsupported version");
    session s;
    try {
        if (!language_from_code(j.at("lang").get<std::string>(), s.lang))
            throw std::invalid_argument("session.lang: expected en or zh");
        s.turns = j.at("turns").get<int>();
        s.consecutive_fallbacks = j.at("fallbacks").get<int>();
        s.pending_options = j.at("pending_options").get<std::vector<std::string>>();
        s.handed_off = j.at("handed_off").get<bool>();
        if (!handoff_reason_from_name(j.at("handoff").get<std::string>(), s.handoff))
            throw std::invalid_argument("session.handoff: unknown reason");
        s.last_item = j.at("last_item").get<std::string>();
        s.last_frustration = j.at("frustration").get<double>();
        const auto& f = j.at("flow");
        if (!f.is_null()) {
            flow_state fs;
            fs.flow_id = f.at("id").get<std::string>();
            fs.slot = f.at("slot").get<std::size_t>();
            fs.values = f.at("values").get<std::map<std::string, std::string>>();
            fs.reprompts = f.at("reprompts").get<int>();
            s.flow = std::move(fs);
        }
    } catch (const json::exception& e) {
        throw std::invalid_argument(std::string("session: ") + e.what());
    }
    if (s.turns < 0 || s.consecutive_fallbacks < 0)
        throw std::invalid_argument("session: negative counter");
    return s;
}

}  // namespace parley
