// Chat messages exactly as codi sends them, for the simulator's tests: a
// one-link job is made from a turn's parts and codi's own PromptBuilder lays
// the prompt out with the job defaults' templates, so these tests exercise the
// layout the simulator really receives.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "codi/v1/job.pb.h"
#include "common/teacher/teacher_client.h"

namespace codi::testing {

inline constexpr char kVancouver[] =
    "Vancouver is a major city in western Canada, located in the Lower Mainland region of "
    "British Columbia. As the most populous city in the province, the 2016 census recorded "
    "631,486 people in the city, up from 603,502 in 2011. The Greater Vancouver area had a "
    "population of 2,463,431 in 2016, making it the third-largest metropolitan area in Canada. "
    "Vancouver has the highest population density in Canada, with over 5,400 people per square "
    "kilometre. Vancouver is one of the most ethnically and linguistically diverse cities in "
    "Canada; 52% of its residents have a first language other than English. The city hosted the "
    "Winter Olympics in 2010.";

// One turn's prompt, given by the parts the simulator reads back out of it.
struct PromptSpec {
  std::string title = "Vancouver";
  std::string document = kVancouver;
  std::vector<std::pair<std::string, std::string>> turns;  // the history: (ROLE, text)
  std::string role = "USER";                               // of the turn to write
  std::string instruction = "Ask a factual question about the document.";  // literal text
  std::string example;  // the seed item; empty for none
  // (name, instruction) of each phenomenon the turn uses, in this order.
  std::vector<std::pair<std::string, std::string>> phenomena;
};

// The job whose one link "turn" writes `spec`'s turn: its role (declared when
// not USER or AGENT), instruction, a seed pool holding only `example`, and
// each phenomenon with probability 1. Validated, with defaults applied.
codi::v1::JobSpec JobFor(const PromptSpec& spec);

// The messages PromptBuilder builds for the next turn of `spec`'s conversation.
std::vector<ChatMessage> BuildMessages(const PromptSpec& spec);

}  // namespace codi::testing
