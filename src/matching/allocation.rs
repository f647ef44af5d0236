//! Spreading scarce offer capacity over all open needs so that the most urgent needs are
//! covered first: a min-cost flow (source -> offer -> need -> sink) whose unit costs put
//! urgency far ahead of score. Exact; pure.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::catalogue::model::Urgency;

/// One need as the allocation sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Demand {
    pub remaining: i64,
    pub urgency: Urgency,
}

/// A possible (need, offer) pairing with its score, by positions in the inputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arc {
    pub need: usize,
    pub offer: usize,
    pub score: f64,
}

/// Units of an offer assigned to a need.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assignment {
    pub need: usize,
    pub offer: usize,
    pub quantity: i64,
    pub score: f64,
}

/// What one unit of a need is worth: each urgency level outweighs any amount of score and of
/// the levels below it for the same units.
pub fn unit_value(urgency: Urgency, score: f64) -> i64 {
    let level = match urgency {
        Urgency::Low => 1,
        Urgency::Medium => 10,
        Urgency::High => 100,
        Urgency::Critical => 1000,
    };
    level * 1000 + (score.clamp(0.0, 1.0) * 999.0).round() as i64
}

struct Edge {
    to: usize,
    capacity: i64,
    cost: i64,
}

/// A residual graph with edges stored in pairs (an edge and its reverse at index ^ 1).
struct Network {
    edges: Vec<Edge>,
    adjacent: Vec<Vec<usize>>,
}

impl Network {
    fn new(nodes: usize) -> Self {
        Self {
            edges: Vec::new(),
            adjacent: vec![Vec::new(); nodes],
        }
    }

    fn add(&mut self, from: usize, to: usize, capacity: i64, cost: i64) -> usize {
        let index = self.edges.len();
        self.edges.push(Edge { to, capacity, cost });
        self.adjacent[from].push(index);
        self.edges.push(Edge {
            to: from,
            capacity: 0,
            cost: -cost,
        });
        self.adjacent[to].push(index + 1);
        index
    }
}

/// The assignment of offer capacity to needs of greatest total value (`unit_value`), among
/// `arcs`. Successive shortest paths with Dijkstra on reduced costs; it stops as soon as no
/// path adds value, so capacity that helps nobody stays unassigned.
pub fn allocate(demands: &[Demand], capacities: &[i64], arcs: &[Arc]) -> Vec<Assignment> {
    let (offers, needs) = (capacities.len(), demands.len());
    let source = 0;
    let offer_node = |o: usize| 1 + o;
    let need_node = |n: usize| 1 + offers + n;
    let sink = 1 + offers + needs;
    let mut network = Network::new(sink + 1);
    for (offer, &capacity) in capacities.iter().enumerate() {
        if capacity > 0 {
            network.add(source, offer_node(offer), capacity, 0);
        }
    }
    let mut arc_edges = Vec::with_capacity(arcs.len());
    for arc in arcs {
        let demand = demands[arc.need];
        let limit = demand.remaining.min(capacities[arc.offer]);
        if limit > 0 {
            let cost = -unit_value(demand.urgency, arc.score);
            arc_edges.push((
                network.add(offer_node(arc.offer), need_node(arc.need), limit, cost),
                *arc,
            ));
        }
    }
    for (need, demand) in demands.iter().enumerate() {
        if demand.remaining > 0 {
            network.add(need_node(need), sink, demand.remaining, 0);
        }
    }

    // Initial potentials: the graph is layered (source, offers, needs, sink), so shortest
    // distances follow from one pass per layer even with the negative arc costs.
    let mut potential = vec![0i64; sink + 1];
    for n in 0..needs {
        potential[need_node(n)] = network.adjacent[need_node(n)]
            .iter()
            .filter(|&&e| e % 2 == 1 && network.edges[e ^ 1].capacity > 0)
            .map(|&e| -network.edges[e].cost)
            .min()
            .unwrap_or(0)
            .min(0);
    }
    potential[sink] = (0..needs)
        .map(|n| potential[need_node(n)])
        .min()
        .unwrap_or(0)
        .min(0);

    let nodes = sink + 1;
    loop {
        let mut distance = vec![i64::MAX; nodes];
        let mut via = vec![usize::MAX; nodes];
        distance[source] = 0;
        let mut queue = BinaryHeap::from([Reverse((0i64, source))]);
        while let Some(Reverse((d, node))) = queue.pop() {
            if d > distance[node] {
                continue;
            }
            for &e in &network.adjacent[node] {
                let edge = &network.edges[e];
                if edge.capacity <= 0 {
                    continue;
                }
                let reduced = edge.cost + potential[node] - potential[edge.to];
                let candidate = d + reduced;
                if candidate < distance[edge.to] {
                    distance[edge.to] = candidate;
                    via[edge.to] = e;
                    queue.push(Reverse((candidate, edge.to)));
                }
            }
        }
        if distance[sink] == i64::MAX {
            break;
        }
        for node in 0..nodes {
            if distance[node] != i64::MAX {
                potential[node] += distance[node];
            }
        }
        // The true cost of the path: stop once sending more would not add value.
        if potential[sink] - potential[source] >= 0 {
            break;
        }
        let mut bottleneck = i64::MAX;
        let mut node = sink;
        while node != source {
            let e = via[node];
            bottleneck = bottleneck.min(network.edges[e].capacity);
            node = network.edges[e ^ 1].to;
        }
        let mut node = sink;
        while node != source {
            let e = via[node];
            network.edges[e].capacity -= bottleneck;
            network.edges[e ^ 1].capacity += bottleneck;
            node = network.edges[e ^ 1].to;
        }
    }

    arc_edges
        .into_iter()
        .filter_map(|(edge, arc)| {
            let sent = network.edges[edge ^ 1].capacity;
            (sent > 0).then_some(Assignment {
                need: arc.need,
                offer: arc.offer,
                quantity: sent,
                score: arc.score,
            })
        })
        .collect()
}

/// The total value of an assignment, by `unit_value`.
pub fn total_value(demands: &[Demand], assignments: &[Assignment]) -> i64 {
    assignments
        .iter()
        .map(|a| a.quantity * unit_value(demands[a.need].urgency, a.score))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The best value by trying every split of every offer's units, for tiny cases.
    fn exhaustive(demands: &[Demand], capacities: &[i64], arcs: &[Arc]) -> i64 {
        fn go(
            index: usize,
            arcs: &[Arc],
            demands: &[Demand],
            left_need: &mut Vec<i64>,
            left_offer: &mut Vec<i64>,
        ) -> i64 {
            let Some(arc) = arcs.get(index) else { return 0 };
            let most = left_need[arc.need].min(left_offer[arc.offer]);
            let mut best = i64::MIN;
            for units in 0..=most {
                left_need[arc.need] -= units;
                left_offer[arc.offer] -= units;
                let value = units * unit_value(demands[arc.need].urgency, arc.score)
                    + go(index + 1, arcs, demands, left_need, left_offer);
                best = best.max(value);
                left_need[arc.need] += units;
                left_offer[arc.offer] += units;
            }
            best
        }
        let mut left_need = demands.iter().map(|d| d.remaining).collect();
        let mut left_offer = capacities.to_vec();
        go(0, arcs, demands, &mut left_need, &mut left_offer)
    }

    fn check_feasible(
        demands: &[Demand],
        capacities: &[i64],
        arcs: &[Arc],
        assignments: &[Assignment],
    ) {
        for (n, demand) in demands.iter().enumerate() {
            let got: i64 = assignments
                .iter()
                .filter(|a| a.need == n)
                .map(|a| a.quantity)
                .sum();
            assert!(got <= demand.remaining, "need {n} over-covered");
        }
        for (o, capacity) in capacities.iter().enumerate() {
            let used: i64 = assignments
                .iter()
                .filter(|a| a.offer == o)
                .map(|a| a.quantity)
                .sum();
            assert!(used <= *capacity, "offer {o} over-committed");
        }
        for a in assignments {
            assert!(
                arcs.iter()
                    .any(|arc| arc.need == a.need && arc.offer == a.offer),
                "an assignment without a candidate arc"
            );
        }
    }

    #[test]
    fn the_most_urgent_need_gets_the_last_seat() {
        let demands = [
            Demand {
                remaining: 1,
                urgency: Urgency::Low,
            },
            Demand {
                remaining: 1,
                urgency: Urgency::Critical,
            },
        ];
        let arcs = [
            Arc {
                need: 0,
                offer: 0,
                score: 0.99,
            },
            Arc {
                need: 1,
                offer: 0,
                score: 0.2,
            },
        ];
        let assignments = allocate(&demands, &[1], &arcs);
        assert_eq!(
            assignments,
            [Assignment {
                need: 1,
                offer: 0,
                quantity: 1,
                score: 0.2
            }]
        );
    }

    #[test]
    fn capacity_is_rerouted_to_cover_more() {
        // Offer 0 can serve both needs, offer 1 only need 0: the best plan sends offer 1 to
        // need 0 and offer 0 to need 1, although offer 0 scores best for need 0.
        let demands = [
            Demand {
                remaining: 1,
                urgency: Urgency::High,
            },
            Demand {
                remaining: 1,
                urgency: Urgency::High,
            },
        ];
        let arcs = [
            Arc {
                need: 0,
                offer: 0,
                score: 0.9,
            },
            Arc {
                need: 1,
                offer: 0,
                score: 0.5,
            },
            Arc {
                need: 0,
                offer: 1,
                score: 0.4,
            },
        ];
        let mut assignments = allocate(&demands, &[1, 1], &arcs);
        assignments.sort_by_key(|a| a.need);
        assert_eq!(
            assignments
                .iter()
                .map(|a| (a.need, a.offer))
                .collect::<Vec<_>>(),
            [(0, 1), (1, 0)]
        );
    }

    proptest! {
        /// Against an exhaustive search on small cases: feasible, and of optimal value.
        #[test]
        fn allocation_is_optimal_on_small_cases(
            demands in proptest::collection::vec((0..4i64, 0..4usize), 1..4),
            capacities in proptest::collection::vec(0..4i64, 1..4),
            arcs in proptest::collection::vec((0..4usize, 0..4usize, 0.0..1.0f64), 0..6),
        ) {
            let demands: Vec<Demand> = demands.into_iter().map(|(remaining, u)| Demand { remaining, urgency: Urgency::ALL[u] }).collect();
            let mut arcs: Vec<Arc> = arcs
                .into_iter()
                .map(|(n, o, score)| Arc { need: n % demands.len(), offer: o % capacities.len(), score })
                .collect();
            arcs.sort_by_key(|a| (a.need, a.offer));
            arcs.dedup_by(|a, b| a.need == b.need && a.offer == b.offer);
            let assignments = allocate(&demands, &capacities, &arcs);
            check_feasible(&demands, &capacities, &arcs, &assignments);
            prop_assert_eq!(total_value(&demands, &assignments), exhaustive(&demands, &capacities, &arcs));
        }
    }
}
