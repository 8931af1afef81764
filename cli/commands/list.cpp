#include "cli/command.hpp"
#include "cli/reply_rows.hpp"

#include <iostream>

namespace rein::cli {

// rein list (ls, l, status): the process table.
Runner setup_list(CLI::App&) {
    return [](Context& ctx) {
        auto client = ctx.connect();
        if (!client) return k_exit_failed;
        return show_table(ctx, *client);
    };
}

// rein jlist: exactly one JSON array on stdout (the contract's row schema).
Runner setup_jlist(CLI::App&) {
    return [](Context& ctx) {
        auto client = ctx.connect();
        if (!client) return k_exit_failed;
        auto line = client->call_line("list");
        if (!line) return report(line.error());
        if (auto rows = rows_in_reply(*line)) {
            std::cout << *rows << "\n";
            return k_exit_ok;
        }
        auto list = Client::parse_reply(*line);
        if (!list) return report(list.error());
        std::cout << list->at("rows").dump() << "\n";
        return k_exit_ok;
    };
}

} // namespace rein::cli
