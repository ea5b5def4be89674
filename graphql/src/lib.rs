//! kringloop-graphql: the GraphQL API (filled by the API issue).
