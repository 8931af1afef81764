# Man pages and shell completion scripts, generated at build time from the tables the programs
# themselves use (docs/packaging.md says how), and their install rules.
#   build/man/        rein.1 reind.8 rein-ecosystem.5, each also gzip -9n'd (what is installed)
#   build/completion/ rein (bash), _rein (zsh), rein.fish
include(GNUInstallDirs)

# The page generators are a library so that the unit tests can check what they write.
file(GLOB REIN_DOCS_SRC CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tools/man/*.cpp)
add_library(rein_docs STATIC ${REIN_DOCS_SRC})
target_compile_options(rein_docs PRIVATE ${REIN_WARNINGS})
target_link_libraries(rein_docs PUBLIC rein_cli rein_daemon)

add_executable(rein-man ${PROJECT_SOURCE_DIR}/tools/rein_man.cpp)
target_compile_options(rein-man PRIVATE ${REIN_WARNINGS})
target_link_libraries(rein-man PRIVATE rein_docs)

set(REIN_MAN_DIR ${CMAKE_BINARY_DIR}/man)
set(REIN_MAN_PAGES rein.1 reind.8 rein-ecosystem.5)
set(REIN_MAN_OUTPUTS)
set(REIN_MAN_SOURCES)
foreach(page ${REIN_MAN_PAGES})
  list(APPEND REIN_MAN_OUTPUTS ${REIN_MAN_DIR}/${page} ${REIN_MAN_DIR}/${page}.gz)
  list(APPEND REIN_MAN_SOURCES ${REIN_MAN_DIR}/${page})
endforeach()
add_custom_command(OUTPUT ${REIN_MAN_OUTPUTS}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${REIN_MAN_DIR}
  COMMAND rein-man ${REIN_MAN_DIR}
  # -n: no name or time stamp inside, so the same pages give the same bytes (Debian wants it).
  COMMAND gzip -9nkf ${REIN_MAN_SOURCES}
  DEPENDS rein-man
  COMMENT "Generating the man pages into ${REIN_MAN_DIR}"
  VERBATIM)

set(REIN_COMPLETION_DIR ${CMAKE_BINARY_DIR}/completion)
set(REIN_COMPLETION_FILES bash:rein zsh:_rein fish:rein.fish)
set(REIN_COMPLETION_OUTPUTS)
set(REIN_COMPLETION_COMMANDS)
foreach(pair ${REIN_COMPLETION_FILES})
  string(REPLACE ":" ";" pair ${pair})
  list(GET pair 0 shell)
  list(GET pair 1 file)
  list(APPEND REIN_COMPLETION_OUTPUTS ${REIN_COMPLETION_DIR}/${file})
  list(APPEND REIN_COMPLETION_COMMANDS
    COMMAND sh -c "\"$1\" completion $2 > \"$3\"" sh $<TARGET_FILE:rein> ${shell}
      ${REIN_COMPLETION_DIR}/${file})
endforeach()
add_custom_command(OUTPUT ${REIN_COMPLETION_OUTPUTS}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${REIN_COMPLETION_DIR}
  ${REIN_COMPLETION_COMMANDS}
  DEPENDS rein
  COMMENT "Generating the shell completion scripts into ${REIN_COMPLETION_DIR}"
  VERBATIM)

add_custom_target(rein-docs ALL DEPENDS ${REIN_MAN_OUTPUTS} ${REIN_COMPLETION_OUTPUTS})

install(FILES ${REIN_MAN_DIR}/rein.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${REIN_MAN_DIR}/reind.8.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${REIN_MAN_DIR}/rein-ecosystem.5.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES ${REIN_COMPLETION_DIR}/rein
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES ${REIN_COMPLETION_DIR}/_rein DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${REIN_COMPLETION_DIR}/rein.fish
  DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)

if(REIN_TESTS)
  add_test(NAME "man pages render without warnings"
    COMMAND ${PROJECT_SOURCE_DIR}/tests/man_lint.sh ${REIN_MAN_SOURCES})
  set_tests_properties("man pages render without warnings" PROPERTIES SKIP_RETURN_CODE 77)
endif()
