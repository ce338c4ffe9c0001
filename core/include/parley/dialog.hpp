#pragma once
// The dialog engine: one shopper message in, one bot move out. It runs the
// whole data path of DESIGN.md (normalize, mask PII, tokenize, retrieve,
// decide, step the flow, check for handoff) and touches nothing outside the
// session it is given, so the browser and the server run it identically.
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "parley/config.hpp"
#include "parley/decision.hpp"
#include "parley/handoff.hpp"
#include "parley/pii.hpp"
#include "parley/retriever.hpp"
#include "parley/sentiment.hpp"
#include "parley/session.hpp"

namespace parley {

enum class reply_kind {
    answer,     // an FAQ answer
    clarify,    // "Did you mean…?" with the candidates as quick replies
    fallback,   // not understood; offers a human
    ask,        // a flow asks for (or re-asks) a slot
    action,     // a flow is complete: the server must act (look up an order, …)
    handoff,    // hand the conversation to a person
    smalltalk,  // greeting, thanks, goodbye
    notice,     // flow cancelled and the like
    relay       // already handed off: the message is for the agent, the bot stays quiet
};
std::string_view reply_kind_name(reply_kind kind);

struct quick_reply {
    std::string label;  // shown on the button and sent back as the shopper's text
};

struct flow_action {
    std::string name;  // e.g. "order_lookup"
    std::string flow_id;
    std::map<std::string, std::string> params;  // slot values (originals)
};

struct reply {
    reply_kind kind = reply_kind::fallback;
    std::string text;
    std::vector<quick_reply> quick_replies;
    std::string item_id;      // answered FAQ or flow id ("" if none)
    float confidence = 0.0f;  // calibrated retrieval confidence of this message
    std::optional<flow_action> action;
    handoff_reason handoff = handoff_reason::none;
    language lang = language::en;
    std::string masked_text;  // the shopper's message as it may be stored
    std::vector<pii_entity> pii;
    sentiment_result sentiment;

    // For the widget and the server; PII originals are not included.
    // `stored`: the server's stored copy: no masked_text (the message itself
    // is stored masked) and only the names of the action's slots (their values
    // are the shopper's data, used for the call and never stored).
    std::string to_json(bool stored = false) const;
};

struct engine_limits {
    std::size_t max_message_bytes =
        4000;  // longer messages are cut (at a code point) before analysis
};

class dialog_engine {
  public:
    // Builds the retrieval index from the config (index building happens here,
    // once; respond() only queries).
    explicit dialog_engine(config cfg, retriever_options options = {}, engine_limits limits = {});

    const config& settings() const { return config_; }
    const retriever& index() const { return retriever_; }
    retriever& index() { return retriever_; }  // to attach document embeddings

    // The opening line of a new conversation.
    reply greet(session& s) const;
    // One shopper message. `embedding` is the message's embedding from the
    // model the document embeddings came from (optional).
    reply respond(session& s, std::string_view text, std::span<const float> embedding = {}) const;
    // Same, with the student model's frustration probability of the message
    // (models/FORMAT.md); it joins the lexicon's score in the handoff policy.
    // A negative value means "no model score".
    reply respond(session& s, std::string_view text, std::span<const float> embedding,
                  float model_frustration) const;

    // Normalized, PII-masked text, exactly as respond() analyses it; the
    // caller embeds this string so browser and server embed the same text.
    std::string analysis_text(std::string_view text) const;

  private:
    // One message through sanitize, normalize and PII masking: the single
    // definition of "the text the core analyses", shared by respond() and
    // analysis_text().
    struct analysed_message {
        std::string raw;         // sanitized, bounded
        std::string normalized;  // normalize(raw)
        pii_result masked;       // of `normalized`
        std::string text;        // normalize(masked.masked): what retrieval sees
    };
    analysed_message analyse(std::string_view text) const;

    reply answer_item(session& s, reply r, std::uint32_t item, std::span<const pii_entity> entities,
                      std::string_view raw) const;
    reply start_flow(session& s, reply r, const flow_spec& flow,
                     std::span<const pii_entity> entities, std::string_view raw) const;
    reply continue_flow(session& s, reply r, const flow_spec& flow,
                        std::span<const pii_entity> entities, std::string_view raw,
                        bool fresh) const;
    reply hand_off(session& s, reply r, handoff_reason reason) const;
    std::string fill_template(const std::string& text,
                              const std::map<std::string, std::string>& values) const;

    config config_;
    retriever retriever_;
    engine_limits limits_;
};

}  // namespace parley
