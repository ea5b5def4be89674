//! Contracts and money: the inputs of the contract, budget and measure mutations
//! ([`invoer`]).

pub mod invoer;
