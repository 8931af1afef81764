#pragma once
// The bits of roff (man(7) macros) the generated pages are written with.
#include <string>
#include <string_view>

namespace rein::man {

/// A line of running text: backslashes escaped, Markdown's `code` set in bold (the tables'
/// notes are Markdown), a leading '.' or '\'' kept from reading as a request.
std::string text(std::string_view markdown);

/// A line shown verbatim (inside .EX/.EE): backslashes and minus signs escaped, a leading '.'
/// or '\'' guarded.
std::string verbatim(std::string_view line);

/// A literal word in bold (a command, an option, a key), its hyphens as \- so that they copy as
/// the ASCII minus a shell needs.
std::string bold(std::string_view word);

/// A placeholder in italics (an argument, a value).
std::string italic(std::string_view word);

/// The .TH line and the NAME section of a page.
std::string header(std::string_view name, int section, std::string_view summary);

} // namespace rein::man
