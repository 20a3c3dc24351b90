// Writes the simulated teacher's reply to one prompt: deterministic in
// (prompt, seed), grounded in the prompt's document, never a repeat of a turn
// already in the conversation.
//
// The role to write decides the kind of reply:
//  - an asking role (USER, HUMAN, CUSTOMER, ...): a question about a sentence
//    the conversation has not covered yet, built from its key phrase ("What
//    did Vissi do in 1984?", "What is Vancouver?", "What does the passage say
//    about the energy balance?"). Phenomena named in the prompt shape it:
//    coreference refers back to the last answer's entity with a pronoun
//    ("What is its population density?"), a discourse marker opens with "And"
//    or "What about", clarification asks "What do you mean by <phrase>?",
//    topic switch moves far from the last sentence discussed, ellipsis asks
//    "What about <phrase>?"; a yes/no instruction asks "Is it true that ...?".
//  - an answering role (AGENT, ASSISTANT, ...): an extractive answer to the
//    last question, from the sentence with the highest weighted content-word
//    overlap (pronouns resolved against the turns before it): a typed span for
//    who/when/where/how-many questions, else the best clause or the sentence.
//  - any other role: one sentence of the document not yet covered.
// The seed chooses among near candidates (sentences and phrasings), so a new
// seed usually gives a different reply.
#pragma once

#include <cstdint>
#include <string>

#include "tools/teacher_sim/reply/prompt_parser.h"

namespace codi {

std::string WriteReply(const ParsedPrompt& prompt, uint64_t seed);

}  // namespace codi
