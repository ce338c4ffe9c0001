#include "parley/dialog.hpp"

#include <algorithm>
#include <array>

#include "parley/json.hpp"
#include "parley/smalltalk.hpp"
#include "parley/text.hpp"
#include "parley/utf8.hpp"

namespace parley {

std::string_view reply_kind_name(reply_kind kind) {
    switch (kind) {
        case reply_kind::answer:
            return "answer";
        case reply_kind::clarify:
            return "clarify";
        case reply_kind::fallback:
            return "fallback";
        case reply_kind::ask:
            return "ask";
        case reply_kind::action:
            return "action";
        case reply_kind::handoff:
            return "handoff";
        case reply_kind::smalltalk:
            return "smalltalk";
        case reply_kind::notice:
            return "notice";
        case reply_kind::relay:
            return "relay";
    }
    return "fallback";
}

// Keys in sorted order, as nlohmann::json (a std::map) wrote them: the
// server, the widget and the parity test read this text.
std::string reply::to_json(bool stored) const {
    json::writer w;
    w.begin_object();
    w.key("action");
    if (action) {
        w.begin_object();
        w.key("flow_id").string(action->flow_id);
        w.key("name").string(action->name);
        if (stored) {
            w.key("params").begin_array();
            for (const auto& [name, value] : action->params) w.string(name);
            w.end_array();
        } else {
            w.key("params").begin_object();
            for (const auto& [name, value] : action->params) w.key(name).string(value);
            w.end_object();
        }
        w.end_object();
    } else {
        w.null();
    }
    w.key("confidence").number(confidence);
    w.key("handoff").string(handoff_reason_name(handoff));
    w.key("item_id").string(item_id);
    w.key("kind").string(reply_kind_name(kind));
    w.key("lang").string(language_code(lang));
    if (!stored) w.key("masked_text").string(masked_text);
    w.key("pii").begin_array();
    for (const auto& e : pii) w.string(pii_name(e.kind));
    w.end_array();
    w.key("quick_replies").begin_array();
    for (const auto& q : quick_replies) w.string(q.label);
    w.end_array();
    w.key("sentiment").begin_object();
    w.key("cues").strings(sentiment.cues);
    w.key("frustration").number(sentiment.frustration);
    w.key("score").number(sentiment.score);
    w.end_object();
    w.key("text").string(text);
    w.end_object();
    return w.take();
}

namespace {

// The masked text without its "[EMAIL]"-style placeholders.
std::string without_placeholders(std::string_view masked) {
    std::string out;
    for (std::size_t i = 0; i < masked.size(); ++i) {
        if (masked[i] == '[') {
            std::size_t j = i + 1;
            while (j < masked.size() &&
                   ((masked[j] >= 'A' && masked[j] <= 'Z') || masked[j] == '_'))
                ++j;
            if (j < masked.size() && masked[j] == ']' && j > i + 1) {
                i = j;
                out += ' ';
                continue;
            }
        }
        out += masked[i];
    }
    return out;
}

bool one_of(std::string_view s, std::initializer_list<std::string_view> list) {
    return std::find(list.begin(), list.end(), s) != list.end();
}

bool is_cancel_command(std::string_view cmd) {
    return one_of(cmd, {"cancel", "stop",        "never mind", "nevermind", "forget it",    "quit",
                        "exit",   "cancel that", "stop that",  "no thanks", "no thank you", "skip",
                        "abort",  "算了",        "取消",       "不用了",    "不要了",       "退出",
                        "算了吧", "不查了",      "先不用了"});
}

std::optional<std::string> yes_no(std::string_view cmd) {
    if (one_of(cmd, {"yes",     "y",       "yeah",       "yep",   "yup",   "sure", "ok",   "okay",
                     "confirm", "correct", "yes please", "do it", "right", "是",   "是的", "好",
                     "好的",    "确认",    "对",         "嗯",    "可以",  "确定", "没错"}))
        return "yes";
    if (one_of(cmd, {"no", "n", "nope", "nah", "don't", "do not", "no don't", "not now", "不",
                     "不是", "否", "不要", "不用", "别", "先不"}))
        return "no";
    return std::nullopt;
}

std::string trim(std::string_view s) {
    while (!s.empty() &&
           (s.front() == ' ' || s.front() == '\n' || s.front() == '\t' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\n' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return std::string(s);
}

std::string strip_order_number(std::string_view v) {
    std::string out;
    for (char c : v)
        if (c != '#' && c != ' ') out.push_back(c);
    return out;
}

const pii_entity* first_of(std::span<const pii_entity> entities, pii_kind kind) {
    for (const auto& e : entities)
        if (e.kind == kind) return &e;
    return nullptr;
}

// Slot types that can be recognized anywhere in a message, so "order 1001,
// email a@b.com" fills two slots at once.
bool is_entity_slot(slot_type t) {
    return t == slot_type::order_number || t == slot_type::email || t == slot_type::phone;
}

std::optional<std::string> entity_value(slot_type t, std::span<const pii_entity> entities) {
    const pii_entity* e = nullptr;
    if (t == slot_type::order_number) e = first_of(entities, pii_kind::order_number);
    if (t == slot_type::email) e = first_of(entities, pii_kind::email);
    if (t == slot_type::phone) e = first_of(entities, pii_kind::phone);
    if (!e) return std::nullopt;
    return t == slot_type::order_number ? strip_order_number(e->value) : e->value;
}

}  // namespace

dialog_engine::dialog_engine(config cfg, retriever_options options, engine_limits limits)
    : config_(std::move(cfg)), limits_(limits) {
    options.answer_weight = static_cast<float>(config_.retrieval.answer_weight);
    options.vector_weight = static_cast<float>(config_.retrieval.vector_weight);
    options.centroid_weight = static_cast<float>(config_.retrieval.centroid_weight);
    retriever_ = retriever::build(config_, options);
}

dialog_engine::analysed_message dialog_engine::analyse(std::string_view text) const {
    analysed_message m;
    m.raw = utf8::sanitize(utf8::truncate(text, limits_.max_message_bytes));
    m.normalized = normalize(m.raw);
    m.masked = mask_pii(m.normalized, config_.pii);
    m.text = normalize(m.masked.masked);
    return m;
}

std::string dialog_engine::analysis_text(std::string_view text) const {
    return analyse(text).text;
}

std::string dialog_engine::fill_template(const std::string& text,
                                         const std::map<std::string, std::string>& values) const {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '{') {
            const auto close = text.find('}', i);
            if (close != std::string::npos) {
                auto it = values.find(text.substr(i + 1, close - i - 1));
                if (it != values.end()) {
                    out += it->second;
                    i = close;
                    continue;
                }
            }
        }
        out.push_back(text[i]);
    }
    return out;
}

reply dialog_engine::greet(session& s) const {
    reply r;
    r.kind = reply_kind::smalltalk;
    r.lang = s.lang;
    r.text = config_.greeting.empty() ? config_.message("greeting", s.lang)
                                      : config_.greeting.get(s.lang);
    return r;
}

reply dialog_engine::hand_off(session& s, reply r, handoff_reason reason) const {
    s.handed_off = true;
    s.handoff = reason;
    s.flow.reset();
    s.pending_options.clear();
    r.kind = reply_kind::handoff;
    r.handoff = reason;
    switch (reason) {
        case handoff_reason::frustration:
            r.text = config_.message("handoff_frustration", r.lang);
            break;
        case handoff_reason::repeated_fallback:
            r.text = config_.message("handoff_fallbacks", r.lang);
            break;
        case handoff_reason::flow_failed:
            r.text = config_.message("handoff_flow_failed", r.lang);
            break;
        default:
            r.text = config_.message("handoff", r.lang);
            break;
    }
    return r;
}

reply dialog_engine::answer_item(session& s, reply r, std::uint32_t item,
                                 std::span<const pii_entity> entities, std::string_view raw) const {
    const auto& it = retriever_.items()[item];
    s.pending_options.clear();
    s.consecutive_fallbacks = 0;
    s.last_item = it.id;
    r.item_id = it.id;
    if (it.kind == item_kind::flow)
        return start_flow(s, std::move(r), config_.flows[it.index], entities, raw);
    s.flow.reset();
    r.kind = reply_kind::answer;
    r.text = config_.faqs[it.index].answer_for(r.lang);
    return r;
}

reply dialog_engine::start_flow(session& s, reply r, const flow_spec& flow,
                                std::span<const pii_entity> entities, std::string_view raw) const {
    r.item_id = flow.id;
    if (flow.hand_off && flow.slots.empty())
        return hand_off(s, std::move(r), handoff_reason::requested);
    s.flow = flow_state{flow.id, 0, {}, 0};
    return continue_flow(s, std::move(r), flow, entities, raw, true);
}

// Fills what this message provides, then asks for the next empty slot or
// completes the flow. `fresh`: the message started the flow, so only entity
// slots may be filled from it (its words are the request, not an answer).
reply dialog_engine::continue_flow(session& s, reply r, const flow_spec& flow,
                                   std::span<const pii_entity> entities, std::string_view raw,
                                   bool fresh) const {
    auto& st = *s.flow;
    r.item_id = flow.id;
    bool filled_current = false;
    if (!fresh && st.slot < flow.slots.size()) {
        const auto& slot = flow.slots[st.slot];
        const std::string cmd = command_form(normalize(raw));
        std::optional<std::string> value;
        switch (slot.type) {
            case slot_type::order_number: {
                value = entity_value(slot.type, entities);
                if (!value) {
                    // Masking may be off for order numbers; accept a bare token of digits.
                    const std::string bare = strip_order_number(trim(raw));
                    if (!bare.empty() && bare.size() >= config_.pii.order_min_digits &&
                        bare.size() <= config_.pii.order_max_digits &&
                        std::all_of(bare.begin(), bare.end(),
                                    [](char c) { return c >= '0' && c <= '9'; }))
                        value = bare;
                }
                break;
            }
            case slot_type::email:
                value = entity_value(slot.type, entities);
                if (!value && looks_like_email(trim(raw))) value = trim(raw);
                break;
            case slot_type::phone:
                value = entity_value(slot.type, entities);
                break;
            case slot_type::yes_no:
                value = yes_no(cmd);
                break;
            case slot_type::choice:
                for (std::size_t i = 0; i < slot.options.size(); ++i)
                    if (cmd == command_form(normalize(slot.options[i])) ||
                        cmd == std::to_string(i + 1))
                        value = slot.options[i];
                break;
            case slot_type::text: {
                const std::string t =
                    trim(utf8::sanitize(utf8::truncate(raw, limits_.max_message_bytes)));
                if (utf8::length(t) >= slot.min_length && !cmd.empty()) value = t;
                break;
            }
        }
        if (value) {
            st.values[slot.name] = *value;
            st.reprompts = 0;
            filled_current = true;
        }
    }
    // Entity slots anywhere in the flow can be filled by this message.
    for (const auto& slot : flow.slots)
        if (is_entity_slot(slot.type) && !st.values.count(slot.name))
            if (auto v = entity_value(slot.type, entities)) st.values[slot.name] = *v;

    if (!fresh && !filled_current) {
        // Not an answer to the question asked: a new topic, or a bad value.
        return r;  // caller decides (kind stays fallback as a marker)
    }
    // A declined confirmation ends the flow without acting.
    for (const auto& slot : flow.slots) {
        auto v = st.values.find(slot.name);
        if (slot.type == slot_type::yes_no && slot.name == "confirm" && v != st.values.end() &&
            v->second == "no") {
            s.flow.reset();
            r.kind = reply_kind::notice;
            r.text = config_.message("flow_cancelled", r.lang);
            return r;
        }
    }
    st.slot = 0;
    while (st.slot < flow.slots.size() && st.values.count(flow.slots[st.slot].name)) ++st.slot;
    if (st.slot < flow.slots.size()) {
        const auto& slot = flow.slots[st.slot];
        r.kind = reply_kind::ask;
        r.text = fill_template(slot.prompt.get(r.lang), st.values);
        if (slot.type == slot_type::yes_no)
            r.quick_replies = {{config_.message("yes", r.lang)}, {config_.message("no", r.lang)}};
        if (slot.type == slot_type::choice)
            for (const auto& o : slot.options) r.quick_replies.push_back({o});
        return r;
    }
    // Every slot filled.
    if (flow.hand_off) {
        auto values = st.values;
        reply h = hand_off(s, std::move(r), handoff_reason::requested);
        h.action = flow_action{flow.action, flow.id, std::move(values)};
        return h;
    }
    r.kind = reply_kind::action;
    r.text = fill_template(flow.done.get(r.lang), st.values);
    if (!flow.action.empty()) r.action = flow_action{flow.action, flow.id, st.values};
    s.flow.reset();
    return r;
}

reply dialog_engine::respond(session& s, std::string_view text,
                             std::span<const float> embedding) const {
    return respond(s, text, embedding, -1.0f);
}

reply dialog_engine::respond(session& s, std::string_view text, std::span<const float> embedding,
                             float model_frustration) const {
    reply r;
    const analysed_message message = analyse(text);
    const std::string& raw = message.raw;
    const pii_result& masked = message.masked;
    const std::string& analysed = message.text;
    r.masked_text = masked.masked;
    r.pii = masked.entities;

    // PII placeholders ("[EMAIL]") are not the shopper's words: a Chinese
    // shopper typing an email address or an order number stays in Chinese.
    language lang = detect_language(without_placeholders(masked.masked), s.lang);
    if (std::find(config_.shop.locales.begin(), config_.shop.locales.end(), lang) ==
        config_.shop.locales.end())
        lang = config_.shop.locale;
    s.lang = lang;
    r.lang = lang;
    ++s.turns;
    r.sentiment = analyze_sentiment(analysed, upper_case_ratio(raw));
    if (model_frustration >= 0.0f)
        r.sentiment.frustration = combine_frustration(r.sentiment.frustration, model_frustration);
    s.last_frustration = r.sentiment.frustration;
    const std::span<const pii_entity> entities(masked.entities);

    if (s.handed_off) {
        r.kind = reply_kind::relay;
        r.handoff = s.handoff;
        return r;
    }
    if (analysed.empty()) {
        r.kind = reply_kind::ask;
        r.text = config_.message("fallback", lang);
        return r;
    }
    const bool requested = is_explicit_handoff_request(analysed, config_.handoff.phrases);
    const bool frustrated = r.sentiment.frustration >= config_.handoff.frustration_threshold;
    const std::string cmd = command_form(analysed);

    // 1. An answer to a "Did you mean…?" question.
    if (!s.pending_options.empty()) {
        auto options = std::move(s.pending_options);
        s.pending_options.clear();
        for (std::size_t i = 0; i < options.size(); ++i) {
            for (std::uint32_t item = 0; item < retriever_.items().size(); ++item) {
                const auto& it = retriever_.items()[item];
                if (it.id != options[i]) continue;
                const auto& questions = it.kind == item_kind::faq
                                            ? config_.faqs[it.index].questions
                                            : config_.flows[it.index].questions;
                bool match = cmd == std::to_string(i + 1);
                for (const auto& q : questions) match = match || cmd == command_form(normalize(q));
                if (match) return answer_item(s, std::move(r), item, entities, raw);
            }
        }
    }

    // 2. Inside a flow: a slot value, a cancel, a handoff, or a change of topic.
    if (s.flow) {
        const flow_spec* flow = config_.find_flow(s.flow->flow_id);
        if (!flow) {
            s.flow.reset();  // the config changed under the conversation
        } else if (requested || frustrated) {
            return hand_off(s, std::move(r),
                            requested ? handoff_reason::requested : handoff_reason::frustration);
        } else if (is_cancel_command(cmd)) {
            s.flow.reset();
            r.kind = reply_kind::notice;
            r.text = config_.message("flow_cancelled", lang);
            return r;
        } else {
            reply attempt = continue_flow(s, r, *flow, entities, raw, false);
            if (attempt.kind != reply_kind::fallback) return attempt;
            const auto result = retriever_.query(analysed, embedding);
            const auto d = decide(result, config_.handoff);
            r.confidence = result.confidence;
            if (d.kind == decision_kind::answer && retriever_.items()[d.item].id != flow->id) {
                s.flow.reset();  // the shopper moved on; answer the new topic
                return answer_item(s, std::move(r), d.item, entities, raw);
            }
            auto& st = *s.flow;
            if (++st.reprompts > config_.handoff.max_reprompts)
                return hand_off(s, std::move(r), handoff_reason::flow_failed);
            const auto& slot = flow->slots[st.slot];
            r.kind = reply_kind::ask;
            r.item_id = flow->id;
            const std::string invalid = slot.invalid.empty()
                                            ? config_.message("invalid_value", lang)
                                            : slot.invalid.get(lang);
            r.text = invalid + " " + fill_template(slot.prompt.get(lang), st.values);
            return r;
        }
    }

    // 3. Frustration outranks everything else.
    if (frustrated) return hand_off(s, std::move(r), handoff_reason::frustration);

    // 4. Retrieval: the merchant's FAQs and flows come first, so a shop that
    //    answers "can I talk to a person?" itself keeps that answer.
    const auto result = retriever_.query(analysed, embedding);
    const auto d = decide(result, config_.handoff);
    r.confidence = result.confidence;
    if (d.kind == decision_kind::answer) return answer_item(s, std::move(r), d.item, entities, raw);
    if (requested) return hand_off(s, std::move(r), handoff_reason::requested);
    if (d.kind == decision_kind::clarify) {
        r.kind = reply_kind::clarify;
        r.text = config_.message("clarify", lang);
        for (auto item : d.options) {
            const auto& it = retriever_.items()[item];
            s.pending_options.push_back(it.id);
            const auto& questions = it.kind == item_kind::faq ? config_.faqs[it.index].questions
                                                              : config_.flows[it.index].questions;
            // Offer the question in the shopper's language when the merchant wrote one.
            std::string label = questions.front();
            for (const auto& q : questions)
                if (detect_language(q, language::en) == lang) {
                    label = q;
                    break;
                }
            r.quick_replies.push_back({label});
        }
        r.quick_replies.push_back({config_.message("option_other", lang)});
        return r;
    }
    // 5. Small talk, then the fallback.
    switch (detect_smalltalk(analysed)) {
        case smalltalk_kind::greeting:
            r.kind = reply_kind::smalltalk, r.text = config_.message("greeting_reply", lang);
            return r;
        case smalltalk_kind::thanks:
            r.kind = reply_kind::smalltalk, r.text = config_.message("thanks_reply", lang);
            return r;
        case smalltalk_kind::goodbye:
            r.kind = reply_kind::smalltalk, r.text = config_.message("goodbye_reply", lang);
            return r;
        case smalltalk_kind::none:
            break;
    }
    ++s.consecutive_fallbacks;
    handoff_inputs in;
    in.consecutive_fallbacks = s.consecutive_fallbacks;
    if (evaluate_handoff(in, config_.handoff) == handoff_reason::repeated_fallback)
        return hand_off(s, std::move(r), handoff_reason::repeated_fallback);
    r.kind = reply_kind::fallback;
    r.text = config_.message("fallback", lang);
    r.quick_replies.push_back({config_.message("talk_to_human", lang)});
    return r;
}

}  // namespace parley
