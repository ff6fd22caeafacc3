import NodeEnvironment from 'jest-environment-node';
import { setAsideSpdyBindingWarning } from '../../bot/spdyBindingWarning';

/*
 * jest's node environment, with the DEP0111 warning of restify's spdy dependency set aside for the
 * whole worker (see bot/spdyBindingWarning.ts). The entry point sets it aside only while it loads
 * restify, but here every test file has its own module registry and loads restify again, at any
 * time; and the warning is emitted on the worker's own process object, which only the environment
 * (outside the test's sandbox) can reach. Every other warning still shows.
 */
setAsideSpdyBindingWarning();

export default NodeEnvironment;
