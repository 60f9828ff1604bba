//! Policy area: policy groups and policies for operators, and a partner's read-only view of
//! the published policies of its group.

pub mod detail;
pub mod editor;
pub mod groups;
pub mod list;
pub mod mine;
pub mod new;
