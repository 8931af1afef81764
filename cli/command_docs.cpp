#include "cli/command_docs.hpp"

#include "cli/command.hpp"
#include "cli/global_options.hpp"

namespace rein::cli {

namespace {

OptionDoc option_doc(const CLI::Option& opt) {
    OptionDoc doc;
    doc.positional = !opt.nonpositional();
    if (doc.positional) {
        doc.names.push_back(opt.get_name());
    } else {
        for (const auto& s : opt.get_snames()) doc.names.push_back("-" + s);
        for (const auto& l : opt.get_lnames()) doc.names.push_back("--" + l);
    }
    if (doc.positional || opt.get_expected_max() > 0) doc.value = opt.get_type_name();
    // A list's type name reads "TEXT ..." in CLI11's help; the man page says it its own way.
    if (auto blank = doc.value.find(' '); blank != std::string::npos) doc.value.resize(blank);
    doc.help = opt.get_description();
    doc.required = opt.get_required();
    doc.repeated = opt.get_items_expected_max() > 1;
    return doc;
}

/// The options of `app` that help shows (a hidden one has no group), help itself left out.
std::vector<OptionDoc> visible_options(const CLI::App& app, bool with_help) {
    std::vector<OptionDoc> out;
    for (const CLI::Option* opt : app.get_options()) {
        if (opt->get_group().empty()) continue;
        if (!with_help && opt == app.get_help_ptr()) continue;
        out.push_back(option_doc(*opt));
    }
    return out;
}

} // namespace

std::vector<CommandDoc> command_docs() {
    std::vector<CommandDoc> out;
    CLI::App root{"", "rein"};
    for (const auto& def : command_table()) {
        CLI::App* sub = root.add_subcommand(def.name, def.help);
        def.setup(*sub); // its Runner is dropped: only the declarations are wanted
        CommandDoc doc{def.name, def.help, def.aliases, {}, {}};
        for (auto& opt : visible_options(*sub, false))
            (opt.positional ? doc.args : doc.options).push_back(std::move(opt));
        out.push_back(std::move(doc));
    }
    return out;
}

std::vector<OptionDoc> global_option_docs() {
    CLI::App root{"", "rein"};
    bool no_color = false;
    add_global_options(root, no_color, "");
    add_host_options(root);
    return visible_options(root, true);
}

} // namespace rein::cli
