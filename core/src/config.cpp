#include "parley/config.hpp"

#include <algorithm>
#include <set>

#include "parley/json.hpp"
#include "parley/utf8.hpp"

namespace parley {

namespace {

std::string type_name(const json::value& j) {
    if (j.is_null()) return "null";
    if (j.is_bool()) return "a boolean";
    if (j.is_number()) return "a number";
    if (j.is_string()) return "a string";
    if (j.is_array()) return "an array";
    return "an object";
}

// A JSON path ("faqs[3].questions[0]") kept as a link to its parent and
// spelled out only when an error is reported: concatenating it at every
// check, inlined, was most of the config reader's code in the wasm core. A
// json_path must not outlive the path it extends (keep parents in locals).
class json_path {
  public:
    json_path(const char* text) : text_(text) {}
    json_path(const json_path& parent, std::string_view key) : parent_(&parent), text_(key) {}
    json_path(const json_path& parent, std::size_t index)
        : parent_(&parent), index_(index), indexed_(true) {}
    std::string str() const;

  private:
    const json_path* parent_ = nullptr;
    std::string_view text_;
    std::size_t index_ = 0;
    bool indexed_ = false;
};

[[gnu::noinline]] std::string json_path::str() const {
    if (!parent_) return std::string(text_);
    std::string out = parent_->str();
    if (indexed_) return out + "[" + std::to_string(index_) + "]";
    return out.empty() ? std::string(text_) : out + "." + std::string(text_);
}

[[noreturn, gnu::noinline]] void fail(const json_path& path, std::string_view expected) {
    throw config_error(path.str(), std::string(expected));
}

// Reads one object, remembering which keys were used so that leftovers
// (typos, unsupported settings) can be reported by name.
class object_reader {
  public:
    object_reader(const json::value& j, const json_path& path) : j_(j), path_(path) {
        if (!j_.is_object()) not_an_object();
    }
    json_path at(std::string_view key) const { return json_path(path_, key); }
    [[gnu::noinline]] const json::value* get(std::string_view key) {
        used_.insert(std::string(key));
        return j_.find(key);
    }
    // Typed fields: each reads `key` into `out` if present and says whether
    // it was. One out-of-line call per field instead of the read, the path
    // and the assignment inlined at every field of parse_config (which
    // binaryen builds into one function): most of the reader's wasm code.
    bool str(const char* key, std::string& out, bool non_empty = true,
             std::size_t max_bytes = 20000);
    bool strs(const char* key, std::vector<std::string>& out, bool non_empty);
    bool loc(const char* key, localized_text& out);
    bool integer(const char* key, int& out, int lo, int hi);
    bool number(const char* key, double& out, int lo, int hi);
    bool boolean(const char* key, bool& out);
    // Fails with `expected` at `key` (a required field is missing or wrong).
    [[noreturn]] void fail_at(const char* key, std::string_view expected) const;
    void finish() const {
        for (std::size_t i = 0; i < j_.size(); ++i) {
            const std::string& key = j_.key(i);
            if (used_.count(key) || key.rfind("x-", 0) == 0 || key.rfind("$", 0) == 0) continue;
            fail(at(key), "unknown field (allowed: " + allowed() + ")");
        }
    }

  private:
    [[noreturn, gnu::noinline]] void not_an_object() const {
        const std::string p = path_.str();
        fail(p.empty() ? "(root)" : p.c_str(), "expected an object, got " + type_name(j_));
    }
    std::string allowed() const {
        std::string out;
        for (const auto& k : used_) out += (out.empty() ? "" : ", ") + k;
        return out;
    }
    const json::value& j_;
    json_path path_;
    std::set<std::string> used_;
};

std::string read_string(const json::value& j, const json_path& path, bool non_empty = true,
                        std::size_t max_bytes = 20000) {
    if (!j.is_string())
        fail(path, std::string("expected ") + (non_empty ? "a non-empty string" : "a string") +
                       ", got " + type_name(j));
    const auto& s = j.as_string();
    if (non_empty && std::all_of(s.begin(), s.end(), [](char c) {
            return c == ' ' || c == '\t' || c == '\n' || c == '\r';
        }))
        fail(path, "expected a non-empty string");
    if (s.size() > max_bytes)
        fail(path, "expected at most " + std::to_string(max_bytes) + " bytes");
    return utf8::sanitize(s);
}

std::vector<std::string> read_strings(const json::value& j, const json_path& path, bool non_empty) {
    if (!j.is_array() || (non_empty && j.empty()))
        fail(path,
             non_empty ? "expected a non-empty array of strings" : "expected an array of strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < j.size(); ++i) {
        const json_path item_path(path, i);
        if (!j[i].is_string()) fail(item_path, "expected a string, got " + type_name(j[i]));
        out.push_back(read_string(j[i], item_path));
    }
    return out;
}

// Whole-number bounds: their message needs no float formatting (printf is
// not linked into the wasm core).
double read_number(const json::value& j, const json_path& path, int lo, int hi) {
    if (!j.is_number()) fail(path, "expected a number, got " + type_name(j));
    const double v = j.as_double();
    if (!(v >= lo && v <= hi))
        fail(path,
             "expected a number between " + std::to_string(lo) + " and " + std::to_string(hi));
    return v;
}

int read_int(const json::value& j, const json_path& path, int lo, int hi) {
    if (!j.is_integer()) fail(path, "expected an integer, got " + type_name(j));
    const auto v = j.as_int();
    if (v < lo || v > hi)
        fail(path,
             "expected an integer between " + std::to_string(lo) + " and " + std::to_string(hi));
    return static_cast<int>(v);
}

bool read_bool(const json::value& j, const json_path& path) {
    if (!j.is_bool()) fail(path, "expected true or false, got " + type_name(j));
    return j.as_bool();
}

language read_language(const json::value& j, const json_path& path) {
    language lang;
    if (!j.is_string() || !language_from_code(j.as_string(), lang))
        fail(path, "expected \"en\" or \"zh\"");
    return lang;
}

localized_text read_localized(const json::value& j, const json_path& path) {
    localized_text out;
    if (j.is_string()) {
        out.by_language[""] = read_string(j, path);
        return out;
    }
    if (!j.is_object() || j.empty())
        fail(path, "expected a string or an object like {\"en\": \"…\", \"zh\": \"…\"}");
    for (std::size_t i = 0; i < j.size(); ++i) {
        const std::string& key = j.key(i);
        const json::value& value = j[i];
        language lang;
        if (!language_from_code(key, lang))
            fail(json_path(path, key), "unknown language (expected en or zh)");
        out.by_language[std::string(language_code(lang))] =
            read_string(value, json_path(path, key));
    }
    return out;
}

[[gnu::noinline]] bool object_reader::str(const char* key, std::string& out, bool non_empty,
                                          std::size_t max_bytes) {
    const auto* v = get(key);
    if (v) out = read_string(*v, at(key), non_empty, max_bytes);
    return v;
}

[[gnu::noinline]] bool object_reader::strs(const char* key, std::vector<std::string>& out,
                                           bool non_empty) {
    const auto* v = get(key);
    if (v) out = read_strings(*v, at(key), non_empty);
    return v;
}

[[gnu::noinline]] bool object_reader::loc(const char* key, localized_text& out) {
    const auto* v = get(key);
    if (v) out = read_localized(*v, at(key));
    return v;
}

[[gnu::noinline]] bool object_reader::integer(const char* key, int& out, int lo, int hi) {
    const auto* v = get(key);
    if (v) out = read_int(*v, at(key), lo, hi);
    return v;
}

[[gnu::noinline]] bool object_reader::number(const char* key, double& out, int lo, int hi) {
    const auto* v = get(key);
    if (v) out = read_number(*v, at(key), lo, hi);
    return v;
}

[[gnu::noinline]] bool object_reader::boolean(const char* key, bool& out) {
    const auto* v = get(key);
    if (v) out = read_bool(*v, at(key));
    return v;
}

[[noreturn, gnu::noinline]] void object_reader::fail_at(const char* key,
                                                        std::string_view expected) const {
    fail(at(key), expected);
}

// FAQ ids come from merchants' own systems ("reverted_card_payment?"): any
// printable text without spaces, up to 128 bytes.
bool valid_faq_id(const std::string& id) {
    if (id.empty() || id.size() > 128 || !utf8::is_valid(id)) return false;
    return std::all_of(id.begin(), id.end(), [](unsigned char c) { return c > 0x20 && c != 0x7F; });
}

bool valid_id(const std::string& id) {
    if (id.empty() || id.size() > 128) return false;
    return std::all_of(id.begin(), id.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == ':';
    });
}

int parse_clock(const json::value& j, const json_path& path) {
    if (!j.is_string()) fail(path, "expected a time \"HH:MM\"");
    const auto& s = j.as_string();
    if (s.size() != 5 || s[2] != ':' || !std::isdigit(static_cast<unsigned char>(s[0])) ||
        !std::isdigit(static_cast<unsigned char>(s[1])) ||
        !std::isdigit(static_cast<unsigned char>(s[3])) ||
        !std::isdigit(static_cast<unsigned char>(s[4])))
        fail(path, "expected a time \"HH:MM\"");
    const int h = (s[0] - '0') * 10 + (s[1] - '0');
    const int m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 24 || m > 59 || (h == 24 && m != 0))
        fail(path, "expected a time between 00:00 and 24:00");
    return h * 60 + m;
}

slot_type read_slot_type(const json::value& j, const json_path& path) {
    static const std::vector<std::pair<std::string, slot_type>> names = {
        {"order_number", slot_type::order_number},
        {"email", slot_type::email},
        {"phone", slot_type::phone},
        {"text", slot_type::text},
        {"yes_no", slot_type::yes_no},
        {"choice", slot_type::choice}};
    if (j.is_string())
        for (const auto& [name, type] : names)
            if (j.as_string() == name) return type;
    fail(path, "expected one of order_number, email, phone, text, yes_no, choice");
}

slot_spec read_slot(const json::value& j, const json_path& path) {
    object_reader r(j, path);
    slot_spec slot;
    if (!r.str("name", slot.name)) r.fail_at("name", "expected a non-empty string");
    if (!valid_id(slot.name)) r.fail_at("name", "expected letters, digits, '_' or '-'");
    if (auto v = r.get("type")) slot.type = read_slot_type(*v, r.at("type"));
    if (!r.loc("prompt", slot.prompt))
        r.fail_at("prompt", "expected the question that asks for this slot");
    r.loc("invalid", slot.invalid);
    r.strs("options", slot.options, true);
    if (auto v = r.get("min_length"))
        slot.min_length = static_cast<std::size_t>(read_int(*v, r.at("min_length"), 0, 1000));
    if (slot.type == slot_type::choice && slot.options.empty())
        r.fail_at("options", "expected a non-empty array of strings for a choice slot");
    r.finish();
    return slot;
}

flow_spec read_flow(const json::value& j, const json_path& path) {
    object_reader r(j, path);
    flow_spec flow;
    if (auto v = r.get("builtin")) {
        const auto name = read_string(*v, r.at("builtin"));
        try {
            flow = builtin_flow(name);
        } catch (const config_error&) {
            std::string names;
            for (const auto& n : builtin_flow_names()) names += (names.empty() ? "" : ", ") + n;
            fail(r.at("builtin"), "expected one of " + names);
        }
    }
    r.str("id", flow.id);
    if (flow.id.empty() || !valid_id(flow.id))
        r.fail_at("id", "expected an id of letters, digits, '_' or '-'");
    if (!r.strs("questions", flow.questions, true))
        r.fail_at("questions",
                  "expected a non-empty array of strings (phrasings that start this flow)");
    if (auto v = r.get("slots")) {
        if (!v->is_array()) r.fail_at("slots", "expected an array of slots");
        flow.slots.clear();
        const json_path slots = r.at("slots");
        for (std::size_t i = 0; i < v->size(); ++i)
            flow.slots.push_back(read_slot((*v)[i], json_path(slots, i)));
    }
    r.str("action", flow.action, false);
    r.loc("done", flow.done);
    r.boolean("hand_off", flow.hand_off);
    if (flow.done.empty() && !flow.hand_off)
        r.fail_at("done", "expected what the bot says when the flow completes");
    std::set<std::string> names;
    const json_path slots = r.at("slots");
    for (std::size_t i = 0; i < flow.slots.size(); ++i)
        if (!names.insert(flow.slots[i].name).second)
            fail(json_path(json_path(slots, i), "name"), "expected a unique slot name");
    r.finish();
    return flow;
}

bool http_url(const std::string& url) {
    return url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0 ||
           url.rfind("{self}/", 0) == 0;
}

endpoint_spec read_endpoint(const json::value& j, const json_path& path) {
    object_reader r(j, path);
    endpoint_spec e;
    if (!r.str("url", e.url, true, 2000)) r.fail_at("url", "expected the endpoint's URL template");
    if (!http_url(e.url))
        r.fail_at("url", "expected a URL starting with https://, http:// or {self}/");
    if (auto v = r.get("method")) {
        e.method = read_string(*v, r.at("method"));
        if (e.method != "GET" && e.method != "POST") r.fail_at("method", "expected GET or POST");
    }
    if (auto v = r.get("headers")) {
        object_reader h(*v, r.at("headers"));
        for (std::size_t k = 0; k < v->size(); ++k) {
            const std::string& name = v->key(k);
            const json::value& value = (*v)[k];
            const bool token =
                !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char ch) {
                    return std::isalnum(ch) || ch == '-' || ch == '_';
                });
            if (!token) fail(h.at(name), "expected a header name of letters, digits and '-'");
            h.get(name);
            e.headers[name] = read_string(value, h.at(name), false, 4000);
            if (e.headers[name].find_first_of("\r\n") != std::string::npos)
                fail(h.at(name), "expected a header value without line breaks");
        }
        h.finish();
    }
    r.str("hmac_secret", e.hmac_secret, true, 256);
    r.integer("timeout_ms", e.timeout_ms, 100, 60000);
    r.integer("retries", e.retries, 0, 10);
    if (auto v = r.get("fields")) {
        object_reader f(*v, r.at("fields"));
        for (const auto* name :
             {"status", "carrier", "tracking_number", "tracking_url", "estimated_delivery",
              "delivered_at", "items", "email", "customer_id", "reference", "message"}) {
            if (const auto* n = f.get(name)) {
                auto ptr = read_string(*n, f.at(name), false, 200);
                if (!ptr.empty() && ptr[0] != '/')
                    f.fail_at(name, "expected a JSON pointer such as \"/order/status\"");
                e.fields[name] = ptr;
            }
        }
        f.finish();
    }
    r.finish();
    return e;
}

eligibility_rule read_rule(const json::value& j, const json_path& path) {
    object_reader r(j, path);
    eligibility_rule rule;
    r.integer("window_days", rule.window_days, 0, 3650);
    r.strs("statuses", rule.statuses, false);
    r.finish();
    return rule;
}

bool known_action(const std::string& name) {
    for (const auto* a : {"order_lookup", "return_request", "cancel_order", "change_address"})
        if (name == a) return true;
    return false;
}

integration_settings read_integrations(const json::value& j, const json_path& path) {
    object_reader r(j, path);
    integration_settings s;
    const std::string allowed = "order_lookup, return_request, cancel_order, change_address";
    if (auto v = r.get("endpoints")) {
        object_reader e(*v, r.at("endpoints"));
        for (std::size_t k = 0; k < v->size(); ++k) {
            const std::string& name = v->key(k);
            const json::value& value = (*v)[k];
            if (!known_action(name)) fail(e.at(name), "expected an action name (" + allowed + ")");
            e.get(name);
            s.endpoints[name] = read_endpoint(value, e.at(name));
        }
        e.finish();
    }
    if (auto v = r.get("rules")) {
        object_reader e(*v, r.at("rules"));
        for (std::size_t k = 0; k < v->size(); ++k) {
            const std::string& name = v->key(k);
            const json::value& value = (*v)[k];
            if (!known_action(name) || name == "order_lookup")
                fail(e.at(name), "expected return_request, cancel_order or change_address");
            e.get(name);
            s.rules[name] = read_rule(value, e.at(name));
        }
        e.finish();
    }
    if (auto v = r.get("webhooks")) {
        if (!v->is_array()) r.fail_at("webhooks", "expected an array of webhooks");
        const json_path hooks = r.at("webhooks");
        for (std::size_t i = 0; i < v->size(); ++i) {
            const json_path wp(hooks, i);
            object_reader w((*v)[i], wp);
            webhook_spec hook;
            if (!w.str("url", hook.url, true, 2000))
                w.fail_at("url", "expected the receiver's URL");
            if (!http_url(hook.url))
                w.fail_at("url", "expected a URL starting with https://, http:// or {self}/");
            if (!w.str("secret", hook.secret, true, 256))
                w.fail_at("secret", "expected a signing secret");
            if (auto n = w.get("events")) {
                hook.events = read_strings(*n, w.at("events"), false);
                const auto& names = webhook_event_names();
                const json_path events = w.at("events");
                for (std::size_t k = 0; k < hook.events.size(); ++k)
                    if (std::find(names.begin(), names.end(), hook.events[k]) == names.end())
                        fail(json_path(events, k),
                             "expected a webhook event name (conversation.started, "
                             "conversation.handed_off, conversation.closed, csat.received, "
                             "ticket.created, ticket.updated)");
            }
            w.finish();
            s.webhooks.push_back(std::move(hook));
        }
    }
    r.str("inbound_secret", s.inbound_secret, true, 256);
    r.boolean("demo_orders", s.demo_orders);
    r.finish();
    return s;
}

proactive_settings read_proactive(const json::value& j, const json_path& path) {
    object_reader r(j, path);
    proactive_settings p;
    r.integer("min_interval_minutes", p.min_interval_minutes, 0, 60 * 24 * 30);
    r.integer("max_per_day", p.max_per_day, 0, 100);
    if (auto v = r.get("triggers")) {
        if (!v->is_array()) r.fail_at("triggers", "expected an array of triggers");
        std::set<std::string> ids;
        const json_path triggers = r.at("triggers");
        for (std::size_t i = 0; i < v->size(); ++i) {
            const json_path tp(triggers, i);
            object_reader t((*v)[i], tp);
            proactive_trigger trig;
            t.str("id", trig.id, true, 64);
            if (!valid_id(trig.id))
                t.fail_at("id", "expected an id of letters, digits, '-' and '_'");
            if (!ids.insert(trig.id).second) t.fail_at("id", "expected a unique id");
            t.str("on", trig.on);
            if (trig.on != "time_on_page" && trig.on != "exit_intent")
                t.fail_at("on", "expected \"time_on_page\" or \"exit_intent\"");
            if (!t.str("url", trig.url, true, 500)) trig.url = "*";
            t.integer("seconds", trig.seconds, 0, 3600);
            if (!t.loc("text", trig.text)) t.fail_at("text", "expected the message text");
            t.finish();
            p.triggers.push_back(std::move(trig));
        }
    }
    r.finish();
    return p;
}

faq read_faq(const json::value& j, const json_path& path) {
    object_reader r(j, path);
    faq f;
    if (!r.str("id", f.id)) r.fail_at("id", "expected a non-empty string");
    if (!valid_faq_id(f.id))
        r.fail_at("id", "expected an id without spaces or control characters (at most 128 bytes)");
    if (!r.strs("questions", f.questions, true))
        r.fail_at("questions", "expected a non-empty array of strings");
    r.str("answer", f.answer);
    r.loc("answers", f.answers);
    if (f.answer.empty()) {
        if (f.answers.empty()) r.fail_at("answer", "expected a non-empty string");
        f.answer = f.answers.get(language::en);
    }
    r.strs("tags", f.tags, false);
    r.finish();
    return f;
}

}  // namespace

const std::string& localized_text::get(language lang) const {
    static const std::string empty;
    for (const auto* key : {language_code(lang).data(), "", "en"}) {
        auto it = by_language.find(key);
        if (it != by_language.end()) return it->second;
    }
    return by_language.empty() ? empty : by_language.begin()->second;
}

const std::string& faq::answer_for(language lang) const {
    if (!answers.empty()) {
        auto it = answers.by_language.find(std::string(language_code(lang)));
        if (it != answers.by_language.end()) return it->second;
    }
    return answer;
}

std::string_view slot_type_name(slot_type type) {
    switch (type) {
        case slot_type::order_number:
            return "order_number";
        case slot_type::email:
            return "email";
        case slot_type::phone:
            return "phone";
        case slot_type::text:
            return "text";
        case slot_type::yes_no:
            return "yes_no";
        case slot_type::choice:
            return "choice";
    }
    return "text";
}

const faq* config::find_faq(std::string_view id) const {
    for (const auto& f : faqs)
        if (f.id == id) return &f;
    return nullptr;
}

const endpoint_spec* integration_settings::endpoint(std::string_view action) const {
    auto it = endpoints.find(std::string(action));
    return it == endpoints.end() ? nullptr : &it->second;
}

const eligibility_rule* integration_settings::rule(std::string_view action) const {
    auto it = rules.find(std::string(action));
    return it == rules.end() ? nullptr : &it->second;
}

const std::vector<std::string>& webhook_event_names() {
    static const std::vector<std::string> names = {
        "conversation.started", "conversation.handed_off", "conversation.closed",
        "csat.received",        "ticket.created",          "ticket.updated"};
    return names;
}

const flow_spec* config::find_flow(std::string_view id) const {
    for (const auto& f : flows)
        if (f.id == id) return &f;
    return nullptr;
}

namespace {

localized_text lt(const char* en, const char* zh) {
    localized_text t;
    t.by_language["en"] = std::move(en);
    t.by_language["zh"] = std::move(zh);
    return t;
}

const std::map<std::string, localized_text>& default_messages() {
    // A table, not a map literal: one loop builds the map, so the wasm build
    // carries the texts as data instead of code for each entry.
    struct line {
        const char* key;
        const char* en;
        const char* zh;
    };
    static const line lines[] = {
        {"greeting", "Hi! How can I help you today?", "您好！请问有什么可以帮您？"},
        {"greeting_reply", "Hello! What can I help you with?", "您好！请问有什么可以帮您？"},
        {"thanks_reply", "You're welcome! Anything else I can help with?",
         "不客气！还有其他可以帮您的吗？"},
        {"goodbye_reply", "Thanks for chatting with us. Have a great day!",
         "感谢您的咨询，祝您生活愉快！"},
        {"fallback",
         "Sorry, I'm not sure I understood. Could you rephrase, or would you like "
         "to talk to a person?",
         "抱歉，我没有理解您的问题。您可以换个说法，或者需要转人工客服吗？"},
        {"clarify", "Did you mean one of these?", "您是想问以下哪个问题？"},
        {"handoff",
         "I'm connecting you with a member of our team. They'll see our whole conversation.",
         "正在为您转接人工客服，客服会看到我们之前的全部对话。"},
        {"handoff_frustration",
         "I'm sorry about the trouble. Let me get a person from our team to help you.",
         "非常抱歉给您带来不便，我马上为您转接人工客服。"},
        {"handoff_fallbacks", "I'm not able to answer that. Let me connect you with our team.",
         "这个问题我暂时无法回答，正在为您转接人工客服。"},
        {"handoff_flow_failed", "Let me pass this to a member of our team who can sort it out.",
         "我为您转接人工客服来处理这个问题。"},
        {"flow_cancelled", "No problem, I've stopped that. What else can I help with?",
         "好的，已取消。还有其他可以帮您的吗？"},
        {"flow_switched", "Sure, let's leave that for now.", "好的，我们先说这个。"},
        {"invalid_value", "Sorry, that doesn't look right.", "抱歉，格式好像不对。"},
        {"option_other", "None of these", "都不是"},
        {"talk_to_human", "Talk to a person", "转人工"},
        {"offline",
         "Our team isn't available right now. Leave your email and a message and we'll get "
         "back to you.",
         "人工客服暂时不在线。请留下您的邮箱和留言，我们会尽快回复您。"},
        {"ticket_created",
         "Thanks! We've received your message (ticket #{ticket}) and will reply "
         "by email and here.",
         "已收到您的留言（工单号 #{ticket}），我们会通过邮件和这里回复您。"},
        {"agent_joined", "{agent} joined the conversation.", "{agent} 已加入对话。"},
        {"conversation_closed", "This conversation was closed. How did we do?",
         "本次对话已结束，请为我们的服务评分。"},
        {"yes", "Yes", "是"},
        {"no", "No", "否"},
        // Results of flow actions in the shop's system (the server fills them in).
        {"order_status", "Order {order_number} is {status}.",
         "订单 {order_number} 当前状态：{status}。"},
        {"order_shipping", "It's with {carrier}, tracking number {tracking_number}.",
         "承运商 {carrier}，运单号 {tracking_number}。"},
        {"order_eta", "Estimated delivery: {estimated_delivery}.",
         "预计送达：{estimated_delivery}。"},
        {"order_delivered", "It was delivered on {delivered_at}.", "已于 {delivered_at} 签收。"},
        {"order_items", "Items: {items}.", "商品：{items}。"},
        {"order_not_found",
         "I couldn't find order {order_number} with that email address. Please check both, or "
         "talk to a person.",
         "没有找到与该邮箱匹配的订单 {order_number}。请核对订单号和邮箱，或转人工客服。"},
        {"order_unavailable",
         "Sorry, I can't reach our order system right now. Please try again in a few minutes, "
         "or talk to a person.",
         "抱歉，订单系统暂时无法访问。请稍后再试，或转人工客服。"},
        {"not_eligible_status",
         "Order {order_number} is {status}, so I can't do that online. A person from our team "
         "can help.",
         "订单 {order_number} 当前状态为“{status}”，无法在线办理。人工客服可以帮您处理。"},
        {"not_eligible_window",
         "Order {order_number} was delivered {days} days ago; returns are accepted within "
         "{window_days} days. A person from our team can help.",
         "订单 {order_number} 已签收 {days} 天，超过了 {window_days} "
         "天的退货期限。人工客服可以帮您处理。"},
        {"return_created",
         "Your return for order {order_number} is registered (reference "
         "{reference}). We'll email you the return label.",
         "订单 {order_number} 的退货申请已登记（编号 "
         "{reference}），退货标签将发送到您的邮箱。"},
        {"cancel_done",
         "Order {order_number} is cancelled (reference {reference}). The refund "
         "goes back to your original payment method.",
         "订单 {order_number} 已取消（编号 {reference}），款项将原路退回。"},
        {"address_changed",
         "The shipping address of order {order_number} is updated "
         "(reference {reference}).",
         "订单 {order_number} 的收货地址已更新（编号 {reference}）。"},
        {"action_ticket",
         "I've passed your request for order {order_number} to our team "
         "(ticket #{ticket}); we'll reply by email and here.",
         "已将订单 {order_number} 的请求转交给我们的团队（工单号 "
         "#{ticket}），我们会通过邮件和这里回复您。"},
    };
    static const std::map<std::string, localized_text> messages = [] {
        std::map<std::string, localized_text> m;
        for (const auto& l : lines) m.emplace(l.key, lt(l.en, l.zh));
        return m;
    }();
    return messages;
}

// The built-in flows as tables, not code that builds each flow: the wasm
// core carries the texts as data and one loop builds a flow.
struct builtin_slot {
    const char* name;
    slot_type type;
    const char* prompt_en;
    const char* prompt_zh;
    const char* invalid_en;
    const char* invalid_zh;
    unsigned char min_length;
};

const builtin_slot builtin_slots[] = {
    {"order_number", slot_type::order_number,
     "What's your order number? You'll find it in your confirmation email (e.g. 1001).",
     "请提供您的订单号（可在确认邮件中找到，例如 1001）。",
     "That doesn't look like an order number; it's the number in your confirmation email, "
     "like 1001.",
     "这好像不是订单号，订单号在确认邮件中，例如 1001。", 1},
    {"email", slot_type::email, "And the email address you ordered with?",
     "请提供下单时使用的邮箱地址。",
     "That doesn't look like an email address (like name@example.com).",
     "这好像不是有效的邮箱地址（例如 name@example.com）。", 1},
    {"reason", slot_type::text, "What's the reason for the return?", "请问退货的原因是什么？",
     "Could you tell me a little more?", "能再详细说明一下吗？", 3},
    {"confirm", slot_type::yes_no, "Cancel order {order_number}? Please answer yes or no.",
     "确认取消订单 {order_number} 吗？请回答“是”或“否”。", "Please answer yes or no.",
     "请回答“是”或“否”。", 1},
    {"new_address", slot_type::text,
     "What's the new shipping address (street, city, postcode, country)?",
     "请提供新的收货地址（街道、城市、邮编、国家）。",
     "That address looks incomplete; please include street, city and postcode.",
     "地址好像不完整，请包含街道、城市和邮编。", 10},
};

struct builtin_flow_line {
    const char* name;
    const char* action;  // nullptr: the flow hands off
    const char* done_en;
    const char* done_zh;
    int third_slot;  // index into builtin_slots after order number and email, -1 = none
};

const builtin_flow_line builtin_flows[] = {
    {"order_status", "order_lookup", "Thanks! Looking up order {order_number} now…",
     "谢谢！正在为您查询订单 {order_number}……", -1},
    {"return_refund", "return_request", "Thanks, I'm starting a return for order {order_number}.",
     "好的，正在为订单 {order_number} 申请退货。", 2},
    {"cancel_order", "cancel_order", "OK, I'm asking to cancel order {order_number}.",
     "好的，正在为您申请取消订单 {order_number}。", 3},
    {"change_address", "change_address",
     "Thanks, I'm requesting the address change for order {order_number}.",
     "好的，正在为订单 {order_number} 申请修改地址。", 4},
    {"talk_to_human", nullptr, nullptr, nullptr, -1},
};

slot_spec make_slot(const builtin_slot& b) {
    slot_spec s;
    s.name = b.name;
    s.type = b.type;
    s.prompt = lt(b.prompt_en, b.prompt_zh);
    s.invalid = lt(b.invalid_en, b.invalid_zh);
    s.min_length = b.min_length;
    return s;
}

}  // namespace

std::string config::message(std::string_view key, language lang) const {
    auto it = messages.find(std::string(key));
    if (it != messages.end()) return it->second.get(lang);
    const auto& defaults = default_messages();
    auto d = defaults.find(std::string(key));
    return d == defaults.end() ? std::string() : d->second.get(lang);
}

std::vector<std::string> builtin_flow_names() {
    std::vector<std::string> names;
    for (const auto& f : builtin_flows) names.emplace_back(f.name);
    return names;
}

flow_spec builtin_flow(std::string_view name) {
    for (const auto& line : builtin_flows) {
        if (name != line.name) continue;
        flow_spec f;
        f.id = std::string(name);
        f.builtin = std::string(name);
        if (!line.action) {
            f.hand_off = true;
            return f;
        }
        f.slots.push_back(make_slot(builtin_slots[0]));
        f.slots.push_back(make_slot(builtin_slots[1]));
        if (line.third_slot >= 0) f.slots.push_back(make_slot(builtin_slots[line.third_slot]));
        f.action = line.action;
        f.done = lt(line.done_en, line.done_zh);
        return f;
    }
    throw config_error("builtin", "unknown built-in flow");
}

config parse_config(std::string_view json_text) {
    json::value root;
    try {
        root = json::parse(json_text);
    } catch (const json::parse_error& e) {
        fail("(root)", std::string("expected valid JSON (") + e.what() + ")");
    }
    config c;
    object_reader r(root, "");

    // Sections read through their own object_reader: its path ("shop") makes
    // the same messages ("shop.name: …") as the literal paths did.
    if (auto v = r.get("shop")) {
        object_reader s(*v, r.at("shop"));
        if (!s.str("name", c.shop.name)) s.fail_at("name", "expected a non-empty string");
        if (auto n = s.get("locale")) c.shop.locale = read_language(*n, s.at("locale"));
        if (auto n = s.get("locales")) {
            const json_path locales = s.at("locales");
            if (!n->is_array() || n->empty())
                fail(locales, "expected a non-empty array of \"en\"/\"zh\"");
            for (std::size_t i = 0; i < n->size(); ++i)
                c.shop.locales.push_back(read_language((*n)[i], json_path(locales, i)));
        }
        s.str("currency", c.shop.currency);
        s.finish();
    } else {
        r.fail_at("shop", "expected an object with the shop's name and locale");
    }
    if (c.shop.locales.empty()) c.shop.locales.push_back(c.shop.locale);

    if (auto v = r.get("faqs"); v && v->is_array()) {
        std::set<std::string> ids;
        const json_path faqs = r.at("faqs");
        for (std::size_t i = 0; i < v->size(); ++i) {
            const json_path path(faqs, i);
            c.faqs.push_back(read_faq((*v)[i], path));
            if (!ids.insert(c.faqs.back().id).second)
                fail(json_path(path, "id"),
                     "expected a unique id (\"" + c.faqs.back().id + "\" is used twice)");
        }
    } else {
        r.fail_at("faqs", "expected an array of FAQs");
    }

    if (auto v = r.get("flows")) {
        if (!v->is_array()) r.fail_at("flows", "expected an array of flows");
        std::set<std::string> ids;
        for (const auto& f : c.faqs) ids.insert(f.id);
        const json_path flows = r.at("flows");
        for (std::size_t i = 0; i < v->size(); ++i) {
            const json_path path(flows, i);
            c.flows.push_back(read_flow((*v)[i], path));
            if (!ids.insert(c.flows.back().id).second)
                fail(json_path(path, "id"), "expected an id used by no other FAQ or flow");
        }
    }
    r.loc("greeting", c.greeting);
    if (auto v = r.get("widget")) {
        object_reader w(*v, r.at("widget"));
        if (w.str("color", c.widget.color)) {
            const auto& col = c.widget.color;
            const bool hex = (col.size() == 7 || col.size() == 4) && col[0] == '#' &&
                             std::all_of(col.begin() + 1, col.end(),
                                         [](unsigned char ch) { return std::isxdigit(ch); });
            if (!hex) w.fail_at("color", "expected a colour like \"#1f6feb\"");
        }
        if (w.str("position", c.widget.position) && c.widget.position != "left" &&
            c.widget.position != "right")
            w.fail_at("position", "expected \"left\" or \"right\"");
        w.loc("title", c.widget.title);
        w.str("avatar", c.widget.avatar, false);
        w.finish();
    }
    if (auto v = r.get("handoff")) {
        object_reader h(*v, r.at("handoff"));
        h.number("confidence_threshold", c.handoff.confidence_threshold, 0, 1);
        h.number("clarify_margin", c.handoff.clarify_margin, 0, 1);
        h.number("frustration_threshold", c.handoff.frustration_threshold, 0, 1);
        h.integer("max_fallbacks", c.handoff.max_fallbacks, 0, 100);
        h.integer("max_reprompts", c.handoff.max_reprompts, 0, 100);
        h.strs("phrases", c.handoff.phrases, false);
        h.finish();
    }
    if (auto v = r.get("retrieval")) {
        object_reader h(*v, r.at("retrieval"));
        h.number("answer_weight", c.retrieval.answer_weight, 0, 1);
        h.number("vector_weight", c.retrieval.vector_weight, 0, 1);
        h.number("centroid_weight", c.retrieval.centroid_weight, 0, 1);
        h.finish();
    }
    if (auto v = r.get("pii")) {
        object_reader p(*v, r.at("pii"));
        std::vector<std::string> kinds;
        if (p.strs("mask", kinds, false)) {
            c.pii.email = c.pii.phone = c.pii.card = c.pii.cn_id = c.pii.order_number = false;
            for (std::size_t i = 0; i < kinds.size(); ++i) {
                pii_kind kind;
                if (!pii_kind_from_name(kinds[i], kind))
                    fail(json_path(p.at("mask"), i),
                         "expected one of email, phone, card, cn_id, order_number");
                switch (kind) {
                    case pii_kind::email:
                        c.pii.email = true;
                        break;
                    case pii_kind::phone:
                        c.pii.phone = true;
                        break;
                    case pii_kind::card:
                        c.pii.card = true;
                        break;
                    case pii_kind::cn_id:
                        c.pii.cn_id = true;
                        break;
                    case pii_kind::order_number:
                        c.pii.order_number = true;
                        break;
                }
            }
        }
        p.str("order_prefix", c.pii.order_prefix, false, 16);
        int digits = 0;
        if (p.integer("order_min_digits", digits, 1, 20))
            c.pii.order_min_digits = static_cast<std::size_t>(digits);
        if (p.integer("order_max_digits", digits, 1, 20))
            c.pii.order_max_digits = static_cast<std::size_t>(digits);
        if (c.pii.order_max_digits < c.pii.order_min_digits)
            p.fail_at("order_max_digits", "expected a value >= order_min_digits");
        p.finish();
    }
    if (auto v = r.get("business_hours")) {
        object_reader b(*v, r.at("business_hours"));
        c.hours.always_open = false;
        b.str("timezone", c.hours.timezone);
        if (auto n = b.get("weekly")) {
            const json_path weekly = b.at("weekly");
            object_reader w(*n, weekly);
            static const char* days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
            for (int d = 0; d < 7; ++d) {
                const auto* day = w.get(days[d]);
                if (!day) continue;
                const json_path path(weekly, days[d]);
                if (!day->is_array())
                    fail(path, "expected an array of [\"HH:MM\", \"HH:MM\"] intervals");
                for (std::size_t i = 0; i < day->size(); ++i) {
                    const auto& iv = (*day)[i];
                    const json_path ip(path, i);
                    if (!iv.is_array() || iv.size() != 2)
                        fail(ip, "expected [\"HH:MM\", \"HH:MM\"]");
                    opening_interval o{parse_clock(iv[0], json_path(ip, std::size_t{0})),
                                       parse_clock(iv[1], json_path(ip, std::size_t{1}))};
                    if (o.to_minute <= o.from_minute)
                        fail(ip, "expected the closing time after the opening time");
                    c.hours.weekly[static_cast<std::size_t>(d)].push_back(o);
                }
            }
            w.finish();
        } else {
            b.fail_at("weekly", "expected an object with days mon..sun");
        }
        b.finish();
    }
    r.integer("retention_days", c.retention_days, 0, 36500);
    r.strs("allowed_origins", c.allowed_origins, false);
    r.str("identity_secret", c.identity_secret, true, 256);
    if (auto v = r.get("tickets")) {
        object_reader t(*v, r.at("tickets"));
        t.integer("sla_minutes", c.ticket_sla_minutes, 1, 60 * 24 * 30);
        t.finish();
    }
    if (auto v = r.get("integrations"))
        c.integrations = read_integrations(*v, r.at("integrations"));
    if (auto v = r.get("proactive")) c.proactive = read_proactive(*v, r.at("proactive"));
    if (auto v = r.get("messages")) {
        object_reader m(*v, r.at("messages"));
        for (const auto& [key, value] : default_messages()) {
            localized_text text;
            if (m.loc(key.c_str(), text)) c.messages[key] = std::move(text);
        }
        m.finish();
    }
    r.finish();
    return c;
}

}  // namespace parley
