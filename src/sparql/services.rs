//! Which queries call `SERVICE`, read from the algebra: such a query runs in the server process
//! (the HTTP client cannot live in a forked worker) where a timeout cannot stop it for real, so
//! only queries that make an allowed call may go there. Reading the query's text would let a
//! literal that spells "SERVICE" send a runaway query out of the workers.

use spargebra::algebra::{AggregateExpression, Expression, GraphPattern};
use spargebra::term::NamedNodePattern;

/// One `SERVICE` clause: its endpoint (`None` when a variable names it) and whether it is
/// `SILENT`.
pub(super) struct Call {
    pub endpoint: Option<String>,
    pub silent: bool,
}

/// Every `SERVICE` clause of the query, nested ones and those inside `EXISTS` included.
pub(super) fn calls(query: &spargebra::Query) -> Vec<Call> {
    let pattern = match query {
        spargebra::Query::Select { pattern, .. }
        | spargebra::Query::Construct { pattern, .. }
        | spargebra::Query::Describe { pattern, .. }
        | spargebra::Query::Ask { pattern, .. } => pattern,
    };
    let mut found = Vec::new();
    in_pattern(pattern, &mut found);
    found
}

fn in_pattern(pattern: &GraphPattern, found: &mut Vec<Call>) {
    match pattern {
        GraphPattern::Service {
            name,
            inner,
            silent,
        } => {
            found.push(Call {
                endpoint: match name {
                    NamedNodePattern::NamedNode(n) => Some(n.as_str().to_owned()),
                    NamedNodePattern::Variable(_) => None,
                },
                silent: *silent,
            });
            in_pattern(inner, found);
        }
        GraphPattern::Join { left, right }
        | GraphPattern::Union { left, right }
        | GraphPattern::Minus { left, right } => {
            in_pattern(left, found);
            in_pattern(right, found);
        }
        GraphPattern::LeftJoin {
            left,
            right,
            expression,
        } => {
            in_pattern(left, found);
            in_pattern(right, found);
            if let Some(e) = expression {
                in_expression(e, found);
            }
        }
        GraphPattern::Filter { expr, inner } => {
            in_expression(expr, found);
            in_pattern(inner, found);
        }
        GraphPattern::Extend {
            inner, expression, ..
        } => {
            in_expression(expression, found);
            in_pattern(inner, found);
        }
        GraphPattern::Group {
            inner, aggregates, ..
        } => {
            for (_, aggregate) in aggregates {
                if let AggregateExpression::FunctionCall { expr, .. } = aggregate {
                    in_expression(expr, found);
                }
            }
            in_pattern(inner, found);
        }
        GraphPattern::OrderBy { inner, .. }
        | GraphPattern::Graph { inner, .. }
        | GraphPattern::Project { inner, .. }
        | GraphPattern::Distinct { inner }
        | GraphPattern::Reduced { inner }
        | GraphPattern::Slice { inner, .. } => in_pattern(inner, found),
        GraphPattern::Bgp { .. } | GraphPattern::Path { .. } | GraphPattern::Values { .. } => {}
        #[allow(unreachable_patterns)]
        other => {
            // `LATERAL` (SEP-0006), when spargebra is built with it.
            let _ = other;
        }
    }
}

fn in_expression(expression: &Expression, found: &mut Vec<Call>) {
    match expression {
        Expression::Exists(pattern) => in_pattern(pattern, found),
        Expression::Or(a, b)
        | Expression::And(a, b)
        | Expression::Equal(a, b)
        | Expression::SameTerm(a, b)
        | Expression::Greater(a, b)
        | Expression::GreaterOrEqual(a, b)
        | Expression::Less(a, b)
        | Expression::LessOrEqual(a, b)
        | Expression::Add(a, b)
        | Expression::Subtract(a, b)
        | Expression::Multiply(a, b)
        | Expression::Divide(a, b) => {
            in_expression(a, found);
            in_expression(b, found);
        }
        Expression::UnaryPlus(a) | Expression::UnaryMinus(a) | Expression::Not(a) => {
            in_expression(a, found);
        }
        Expression::If(a, b, c) => {
            in_expression(a, found);
            in_expression(b, found);
            in_expression(c, found);
        }
        Expression::In(a, list) => {
            in_expression(a, found);
            list.iter().for_each(|e| in_expression(e, found));
        }
        Expression::Coalesce(list) | Expression::FunctionCall(_, list) => {
            list.iter().for_each(|e| in_expression(e, found));
        }
        Expression::NamedNode(_)
        | Expression::Literal(_)
        | Expression::Variable(_)
        | Expression::Bound(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::calls;

    fn endpoints(query: &str) -> Vec<(Option<String>, bool)> {
        let query = spargebra::SparqlParser::new().parse_query(query).unwrap();
        calls(&query)
            .into_iter()
            .map(|c| (c.endpoint, c.silent))
            .collect()
    }

    #[test]
    fn service_clauses_are_found_in_the_algebra_not_the_text() {
        assert!(endpoints(r#"SELECT * WHERE { ?a ?b ?c FILTER(?c != "SERVICE") }"#).is_empty());
        assert_eq!(
            endpoints("SELECT * WHERE { ?s ?p ?o SERVICE SILENT <http://e/sparql> { ?s ?q ?r } }"),
            vec![(Some("http://e/sparql".to_owned()), true)]
        );
        assert_eq!(
            endpoints("SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE ?e { ?s ?q ?r } } }"),
            vec![(None, false)]
        );
        assert_eq!(
            endpoints(
                "SELECT (COUNT(*) AS ?n) WHERE { { SELECT ?s WHERE { SERVICE <http://f/> { ?s ?p ?o } } } }"
            ),
            vec![(Some("http://f/".to_owned()), false)]
        );
    }
}
