# The build's git revision (common/version.cpp): cmake/revision.cmake runs at every build and
# rewrites ${CMAKE_BINARY_DIR}/generated/rein_revision.h only when the revision changed, so a new
# commit shows in `rein --version` without a reconfigure. Only common/version.cpp includes the
# header (kept out of the unity batches), so nothing else recompiles.
set(REIN_REVISION_HEADER ${CMAKE_BINARY_DIR}/generated/rein_revision.h)
add_custom_target(rein_revision
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DOUTPUT=${REIN_REVISION_HEADER}
    -P ${PROJECT_SOURCE_DIR}/cmake/revision.cmake
  BYPRODUCTS ${REIN_REVISION_HEADER}
  VERBATIM)
add_dependencies(rein_common rein_revision)
set_source_files_properties(common/version.cpp PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON
  INCLUDE_DIRECTORIES ${CMAKE_BINARY_DIR}/generated)
