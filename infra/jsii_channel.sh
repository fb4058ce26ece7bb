#!/bin/sh
# The Node of a synth's jsii runtime, started by jsii as JSII_NODE (infra/node_runtime.py). jsii's
# kernel talks on fd 3, which jsii's relay process normally connects to the pipes of the Python
# side; here fd 3 is a copy of stdin, the pipe of jsii's requests, and infra/jsii_kernel.js sends
# the kernel's answers on to stdout, so the kernel runs in this process and no relay is needed.
exec 3<&0
# LAKESTACK_JSII_NODE_FLAGS holds plain flags (no spaces), split into words on purpose.
# shellcheck disable=SC2086
exec "${LAKESTACK_JSII_NODE:-node}" $LAKESTACK_JSII_NODE_FLAGS "$@"
