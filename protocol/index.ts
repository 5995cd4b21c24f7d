/**
 * The protocol layer: what every service (oracle, agent, dApp, simulator) shares. Pure apart from
 * what a chain client needs. Imports run downward: engine/ <- protocol/ <- services.
 */
export * from "./eip712";
export * from "./node";
export * from "./slashes";
export * from "./seeds";
export * from "./abi";
export * from "./registry";
export * from "./leases";
